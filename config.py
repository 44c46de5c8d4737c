"""Configuration classes, read from the environment.

``BANK_ENV`` picks one (development by default). Production refuses to start without a
``SECRET_KEY`` and a ``DATABASE_URL``; development creates a key once under ``instance/``.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

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
    #: A suspense item (an unmatched statement line) above this amount is assigned or sent back
    #: only when a second staff member approves it.
    PAYMENTS_SUSPENSE_FOUR_EYES_LIMIT = Decimal(
        os.environ.get("BANK_PAYMENTS_SUSPENSE_FOUR_EYES_LIMIT", "1000.00")
    )
    #: A payout batch (pain.001) whose total is above this is released by a second staff member.
    PAYMENTS_PAYOUT_FOUR_EYES_LIMIT = Decimal("10000.00")
    #: Where the back office is told of a payout that came back (none: the payout pages only).
    PAYMENTS_STAFF_ADDRESS = os.environ.get("PAYMENTS_STAFF_ADDRESS")
    #: Staff must use a TOTP second factor in the back office.
    STAFF_TOTP_REQUIRED = False
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAIL_SMTP_HOST = os.environ.get("MAIL_SMTP_HOST")
    MAIL_FROM = os.environ.get("MAIL_FROM", "wijkbank@example.org")
    #: Where staff notices go (a returned direct debit, an unauthorised-debit claim); without it
    #: they wait in the outbox page as "no e-mail address".
    STAFF_NOTICE_ADDRESS = os.environ.get("STAFF_NOTICE_ADDRESS")
    #: The bank's SEPA creditor identifier (incassant-ID) for direct debits: NL, check digits, ZZZ,
    #: the KvK number and a four-digit suffix (checked with python-stdnum's ``eu.at_02``).
    SEPA_CREDITOR_ID = os.environ.get("SEPA_CREDITOR_ID", "NL69ZZZ123456780000")
    #: The bank's name as reports to authorities give it (the FIU-NL report's reporting entity).
    BANK_NAME = os.environ.get("BANK_NAME", "Wijkbank")
    #: The reporting entity's id FIU-Nederland's goAML portal gave the bank (in every unusual
    #: transaction report it uploads).
    FIU_RENTITY_ID = os.environ.get("FIU_RENTITY_ID", "0000")
    #: Loan committee: eligible votes needed for a decision.
    COMMITTEE_QUORUM = 3
    API_TITLE = "Wijkbank API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    #: The one address links in e-mail are built from (never the request's Host header).
    EXTERNAL_URL: str | None = None
    #: Host names the app answers to; any other Host (or X-Forwarded-Host behind a proxy) is a 400.
    TRUSTED_HOSTS: list[str] | None = None
    #: Proxies in front of the app (ProxyFix trusts this many X-Forwarded-* hops); 0 trusts none.
    PROXY_HOPS = int(os.environ.get("BANK_PROXY_HOPS", "0"))
    #: Flask-Limiter storage: memory in development and tests, Redis in production
    #: (``RATELIMIT_STORAGE_URI`` or ``REDIS_URL``, e.g. ``redis://localhost:6379/0``).
    RATELIMIT_STORAGE_URI = (
        os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
    )
    RATELIMIT_HEADERS_ENABLED = False
    #: Throttling is on everywhere but in the test suite, whose tests log in many times from one
    #: address; tests/security/test_throttling.py switches it on and proves the limits.
    RATELIMIT_ENABLED = True
    #: Members are logged out of the portal after this many idle minutes.
    MEMBER_IDLE_MINUTES = 15
    #: The bank's own accounts at its clearing bank (account 1000): a statement of any other IBAN
    #: is a problem. ``BANK_SETTLEMENT_IBANS``, comma separated.
    SETTLEMENT_IBANS: tuple[str, ...] = tuple(
        iban.strip() for iban in os.environ.get("BANK_SETTLEMENT_IBANS", "").split(",") if iban.strip()
    )


def hosts_for(external_url: str, extra: str | None = None) -> list[str]:
    """The trusted host names: the external URL's host plus any listed in ``extra`` (comma separated)."""
    hosts = [urlsplit(external_url).hostname or ""]
    hosts += [h.strip() for h in (extra or "").split(",") if h.strip()]
    return [h for h in dict.fromkeys(hosts) if h]


#: The settlement account of development, the demo and the tests (an example IBAN at ABN AMRO).
DEMO_SETTLEMENT_IBANS = ("NL91ABNA0417164300",)


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self) -> None:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        self.EXTERNAL_URL = os.environ.get("EXTERNAL_URL") or "http://127.0.0.1:5000"
        self.TRUSTED_HOSTS = hosts_for(
            self.EXTERNAL_URL, os.environ.get("TRUSTED_HOSTS", "localhost,127.0.0.1")
        )
        self.DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'wijkbank.db'}"
        key_file = INSTANCE / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or key_file.read_text().strip()
        self.STAFF_TOTP_REQUIRED = os.environ.get("BANK_STAFF_TOTP", "0") == "1"
        self.SETTLEMENT_IBANS = Config.SETTLEMENT_IBANS or DEMO_SETTLEMENT_IBANS


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    # Tests assert the English source strings, so no catalogue is loaded here (amounts and dates still
    # follow the locale, nl by default); tests/translations/test_catalogue_complete.py loads the real
    # Dutch catalogue.
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "tests" / "no-catalogue")
    SECRET_KEY = "test-secret-key-not-for-production"
    WTF_CSRF_ENABLED = False
    #: The test client's host; links in mail are built from here.
    EXTERNAL_URL = "http://localhost"
    TRUSTED_HOSTS = ["localhost", "127.0.0.1"]
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = False
    SETTLEMENT_IBANS = DEMO_SETTLEMENT_IBANS

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
        self.EXTERNAL_URL = os.environ.get("EXTERNAL_URL")
        if self.EXTERNAL_URL:
            self.TRUSTED_HOSTS = hosts_for(self.EXTERNAL_URL, os.environ.get("TRUSTED_HOSTS"))
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL", "EXTERNAL_URL") if not getattr(self, name)]
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
