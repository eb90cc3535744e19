"""The baseline: a bare Flask app answering "hello", served exactly like the real one."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
