"""Configuration classes, read from the environment.

``BANK_ENV`` picks one (development by default). Production refuses to start without a
``SECRET_KEY`` and a ``DATABASE_URL``; development creates a key once under ``instance/``.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("BANK_INSTANCE_PATH", ROOT / "instance"))


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    TESTING = False
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None
    INSTANCE_PATH = str(INSTANCE)
    #: Attachments live here, outside any static path, under random names.
    UPLOAD_DIR = str(INSTANCE / "uploads")
    #: Monthly statements are stored here once, with their checksum in the database.
    STATEMENT_DIR = str(INSTANCE / "statements")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "bank" / "translations")
    LANGUAGES = ("nl", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "wijkbank_session"
    #: Staff are logged out after this many idle minutes.
    STAFF_IDLE_MINUTES = 30
    #: Withdrawals above this need a second staff member's approval.
    WITHDRAWAL_APPROVAL_THRESHOLD = Decimal("10000.00")
    #: Staff must use a TOTP second factor in the back office.
    STAFF_TOTP_REQUIRED = False
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAIL_SMTP_HOST = os.environ.get("MAIL_SMTP_HOST")
    MAIL_FROM = os.environ.get("MAIL_FROM", "wijkbank@example.org")
    #: Loan committee: eligible votes needed for a decision.
    COMMITTEE_QUORUM = 3
    API_TITLE = "Wijkbank API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self) -> None:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        self.DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'wijkbank.db'}"
        key_file = INSTANCE / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or key_file.read_text().strip()
        self.STAFF_TOTP_REQUIRED = os.environ.get("BANK_STAFF_TOTP", "0") == "1"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    # Tests assert the English source strings, so no catalogue is loaded here (amounts and dates still
    # follow the locale, nl by default); tests/test_translations.py loads the real Dutch catalogue.
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "tests" / "no-catalogue")
    SECRET_KEY = "test-secret-key-not-for-production"
    WTF_CSRF_ENABLED = False

    def __init__(self, database_url: str | None = None, instance_path: str | None = None) -> None:
        self.DATABASE_URL = database_url or os.environ.get("BANK_TEST_DATABASE_URL") or "sqlite://"
        if instance_path:
            self.INSTANCE_PATH = instance_path
            self.UPLOAD_DIR = str(Path(instance_path) / "uploads")
            self.STATEMENT_DIR = str(Path(instance_path) / "statements")


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    STAFF_TOTP_REQUIRED = True

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        self.DATABASE_URL = os.environ.get("DATABASE_URL")
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not getattr(self, name)]
        if missing:
            raise RuntimeError(
                f"production refuses to start without {' and '.join(missing)} in the environment"
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> Config:
    name = os.environ.get("BANK_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"BANK_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]()
