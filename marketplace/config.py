"""Settings, read from the environment (see README "Settings")."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    pass


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config dict. Overrides (tests) win over the environment."""
    overrides = dict(overrides or {})
    env = overrides.get("APP_ENV") or os.environ.get("APP_ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {ENVIRONMENTS}, not {env!r}")

    secret_key = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret_key:
        if env == "production":
            # A guessable key would let anyone forge sessions and e-mail tokens.
            raise ConfigError(
                "SECRET_KEY must be set outside development "
                "(or set APP_ENV=development for a local run)."
            )
        secret_key = _development_secret(instance_path)

    default_db = "sqlite:///" + str(Path(instance_path) / "marketplace.db")
    database_url = os.environ.get("DATABASE_URL", default_db)
    # psycopg 3 is the driver; accept the common postgres:// spellings too.
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix):]

    public_base_url = (overrides.get("PUBLIC_BASE_URL")
                       or os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")).rstrip("/")
    behind_https = public_base_url.startswith("https://")

    config = {
        "APP_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PUBLIC_BASE_URL": public_base_url,
        # Lets services build links outside a request (CLI, outbox, tests). Since Flask 3.1 it
        # no longer restricts which Host a request may use.
        "SERVER_NAME": urlsplit(public_base_url).netloc,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)),
        # Mail
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "8025")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "志愿服务创投集市 <noreply@example.org>"
        ),
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8")),
        # Rate limits
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # i18n
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "TIMEZONE": "Asia/Shanghai",
        # Sessions and cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": behind_https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": behind_https,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; a long form must not expire
        "PREFERRED_URL_SCHEME": "https" if behind_https else "http",
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "REGIONS": [
            r.strip()
            for r in os.environ.get("REGIONS", "定海区,普陀区,岱山县,嵊泗县,新城,市直").split(",")
            if r.strip()
        ],
        "TOKEN_MAX_AGE": 60 * 60 * 48,
        "CJK_FONT_PATH": os.environ.get(
            "CJK_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
        ),
    }
    if env == "development":
        config["SQLALCHEMY_ECHO"] = _bool("SQLALCHEMY_ECHO")
    config.update(overrides)
    return config


def _development_secret(instance_path: str) -> str:
    """A per-checkout random key, so development sessions survive restarts."""
    path = Path(instance_path) / "dev-secret-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(os.urandom(32).hex())
    return path.read_text().strip()
