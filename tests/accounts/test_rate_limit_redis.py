"""With RATELIMIT_STORAGE_URI pointing at Redis, workers share the login counters.

Run in a subprocess: the limiter's storage is process-wide, and the other tests use memory.
"""
import os
import subprocess
import sys
import textwrap
import uuid

import pytest

SCRIPT = textwrap.dedent("""
    import sys
    from marketplace import create_app
    from flask_migrate import upgrade

    db_path, prefix = sys.argv[1], sys.argv[2]
    config = {"APP_ENV": "testing", "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
              "RATELIMIT_KEY_PREFIX": prefix}
    codes = []
    for worker in range(2):  # two apps = two workers sharing Redis
        app = create_app(config)
        with app.app_context():
            if worker == 0:
                upgrade()
        client = app.test_client()
        for _ in range(3):
            r = client.post("/login", data={"email": "v@example.org", "password": "bad-bad-bad"},
                            environ_base={"REMOTE_ADDR": "10.1.1.1"})
            codes.append(r.status_code)
    print(codes)
""")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_login_limit_is_shared_through_redis(tmp_path):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "r.db"), prefix],
        capture_output=True, text=True, timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    codes = eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - our own printed list
    # The second "worker" continues the first one's count: the 6th failure is refused.
    assert codes == [422, 422, 422, 422, 422, 429]
