# Read by the `flask` command (python-dotenv) in a checkout; gunicorn does not read it,
# so a deployment stays in production mode and must set SECRET_KEY.
APP_ENV=development
