"""The crawl: the demo bank walked the way its users walk it, every role, every link, both languages.

    python -m bench.crawl [--database-url URL] [--languages nl,en] [--no-forms] [--sample 3]

Builds the demo (``bank demo``) in a temporary SQLite database (or the given PostgreSQL database,
whose ``public`` schema is dropped and re-created), logs in as every demo role (staff with their
second factor, from the stored TOTP secret) and as each kind of member, starts at ``/`` and follows
every link it is shown, in Dutch and in English. Repetitive lists are sampled: at most ``--sample``
pages per URL shape (digits replaced by ``#``) per role and language, more for the shapes in
``SAMPLE_MORE``, whose pages differ by the state of what they show.

Every response is counted (SQL statements per request through an SQLAlchemy event listener) and
checked (``Finding``): 5xx, broken links, more than ``MAX_QUERIES`` statements; on Dutch pages
visible text that is an English msgid of the catalogue, a snake_case code, an English-formatted
amount or percentage, an ISO date; on portal pages (and their PDFs and JSON) another member's
name, IBAN or account number. Then every form is submitted once empty and once with nonsense;
the answer must be the form again with its errors in the page's language, or a redirect.

The test ``tests/crawl/test_crawl.py`` runs the same crawl and fails on each kind of finding.
Prints one JSON object with ``max_queries_per_page`` (target <= 40) and ``pages_5xx`` (== 0).
"""

from __future__ import annotations

import argparse
import html
import io
import json
import re
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pyotp
import sqlalchemy as sa
from babel.messages.pofile import read_po
from flask import Flask, got_request_exception, request_finished, request_started
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict

import config as settings

ROOT = Path(__file__).resolve().parent.parent
NL_PO = ROOT / "bank" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
#: More SQL statements than this for one page is an N+1 somewhere.
MAX_QUERIES = 40
LANGUAGES = ("nl", "en")
#: Pages of one shape (digits replaced) visited per role and language.
DEFAULT_SAMPLE = 3
#: Shapes whose pages differ by the state of what they show: visit more of them.
SAMPLE_MORE: dict[str, int] = {
    "/staff/applications/#": 40,
    "/committee/applications/#": 40,
    "/portal/applications/#": 10,
    "/staff/accounts/#": 12,
    "/staff/loans/#": 8,
    "/staff/members/#": 12,
    "/staff/runs/#": 6,
    "/staff/pools/#": 6,
    "/staff/loan-products/#": 6,
    # The collateral register's items: mortgages (with a deed), pledges, guarantees, cover.
    "/staff/collateral/#": 10,
    # Due-diligence files: organisations with and without their UBOs, EDD waiting, reviews due.
    "/staff/compliance/members/#": 20,
}
#: Never followed: they end the session, change the language or are not pages.
SKIPPED_PREFIXES = ("/logout", "/lang/", "/static/")
STATEMENT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.I)


class CrawlConfig(settings.TestConfig):
    """The test settings with the real catalogue, Dutch by default, staff second factor on,
    and a 500 rendered as the user sees it (not raised into the crawler)."""

    BABEL_TRANSLATION_DIRECTORIES = settings.Config.BABEL_TRANSLATION_DIRECTORIES
    BABEL_DEFAULT_LOCALE = settings.Config.BABEL_DEFAULT_LOCALE
    STAFF_TOTP_REQUIRED = True
    PROPAGATE_EXCEPTIONS = False
    WTF_CSRF_ENABLED = False


# ---------------------------------------------------------------------------------------------
# The demo


@dataclass(frozen=True)
class Role:
    """Who crawls: a label, the e-mail (None: anonymous) and, for members, whose pages are theirs."""

    label: str
    email: str | None = None
    member_ids: tuple[int, ...] = ()


STAFF_ROLES: tuple[tuple[str, str], ...] = (
    ("admin", "beheer@wijkbank.example"),
    ("teller", "balie@wijkbank.example"),
    ("credit officer", "krediet@wijkbank.example"),
    ("second credit officer", "krediet2@wijkbank.example"),
    ("committee member", "commissie2@wijkbank.example"),
    ("chair", "commissie1@wijkbank.example"),
)


def make_app(database_url: str, instance_path: str) -> Flask:
    from bank import create_app

    return create_app(CrawlConfig(database_url=database_url, instance_path=instance_path))


def build_demo(database_url: str, instance_path: str, echo: Callable[[str], None] = lambda _m: None) -> None:
    """Migrate, load the demo as ``bank demo`` does and give every staff log-in a TOTP secret."""
    from bank import demo, migrate
    from bank.auth.models import User
    from bank.extensions import db

    migrate.upgrade(database_url)
    app = make_app(database_url, instance_path)
    with app.app_context():
        session = db.new_session()
        try:
            with db.unit_of_work(session):
                demo.load(
                    session,
                    echo=echo,
                    statement_dir=app.config["STATEMENT_DIR"],
                    upload_dir=app.config["UPLOAD_DIR"],
                )
            with db.unit_of_work(session):
                for user in session.scalars(select(User).where(User.role != "member")):
                    user.totp_secret = pyotp.random_base32()
        finally:
            session.close()
        db.remove()
        if db.engine is not None:
            db.engine.dispose()


def demo_roles(app: Flask) -> list[Role]:
    """Anonymous, every staff role, and a person, a representative and a borrower with a log-in."""
    from bank.auth.models import User
    from bank.extensions import db
    from bank.loans.models import Loan
    from bank.members import queries as member_queries
    from bank.members.models import Member, MemberKind

    roles = [Role("anonymous")]
    roles += [Role(label, email) for label, email in STAFF_ROLES]
    with app.app_context():
        session = db.new_session()
        try:
            members = session.execute(
                select(User.email, Member)
                .join(Member, Member.id == User.member_id)
                .where(User.role == "member", Member.kind == MemberKind.PERSON)
                .order_by(User.id)
            ).all()
            person: Role | None = None
            representatives: list[tuple[Role, bool]] = []
            for email, member in members:
                organisations = [
                    link.organisation.id for link in member_queries.representations_of(session, member.id)
                ]
                mine = (member.id, *organisations)
                owns_loan = session.scalar(select(Loan.id).where(Loan.borrower_id.in_(mine)).limit(1))
                if organisations:
                    representatives.append((Role("member (representative)", email, mine), bool(owns_loan)))
                elif person is None:
                    person = Role("member (person)", email, mine)
            # In the demo only organisations borrow: the borrower is a representative of one with a loan
            # (another than the plain representative when there are two).
            representative = representatives[0][0] if representatives else None
            borrowers = [r for r, owns in representatives if owns]
            borrower = next(
                (r for r in borrowers if r != representative), borrowers[0] if borrowers else None
            )
            if borrower is not None:
                borrower = Role("member (borrower)", borrower.email, borrower.member_ids)
        finally:
            session.close()
    roles += [r for r in (person, representative, borrower) if r is not None]
    return roles


@dataclass
class Secrets:
    """What a member must never see of another member: names, IBANs and account numbers by member."""

    names: dict[int, set[str]]
    ibans: dict[int, set[str]]
    accounts: dict[int, set[str]]

    def others(self, mine: Iterable[int]) -> list[tuple[str, str]]:
        own = set(mine)
        own_words = {w for m in own for w in self.names.get(m, ())}
        found: list[tuple[str, str]] = []
        for member_id, names in self.names.items():
            if member_id not in own:
                found += [("name", n) for n in names if n not in own_words]
        for member_id, ibans in self.ibans.items():
            if member_id not in own:
                found += [("iban", i) for i in ibans]
        for member_id, numbers in self.accounts.items():
            if member_id not in own:
                found += [("account number", a) for a in numbers]
        return found


def member_secrets(app: Flask) -> Secrets:
    from bank.extensions import db
    from bank.loans.models import Loan
    from bank.members.models import Member, MemberKind
    from bank.savings.models import DepositAccount

    names: dict[int, set[str]] = {}
    ibans: dict[int, set[str]] = {}
    accounts: dict[int, set[str]] = {}
    with app.app_context():
        session = db.new_session()
        try:
            # The organisations that borrow are named to every member on purpose: the pools show
            # where the members' money works. Their accounts and IBANs stay theirs.
            borrowers = set(session.scalars(select(Loan.borrower_id)))
            for member in session.scalars(select(Member)):
                if not (member.kind is MemberKind.ORGANISATION and member.id in borrowers):
                    names[member.id] = {member.full_name}
                if member.external_iban:
                    ibans[member.id] = {member.external_iban.replace(" ", "")}
            for account in session.scalars(select(DepositAccount)):
                accounts.setdefault(account.member_id, set()).add(account.formatted_number)
        finally:
            session.close()
    return Secrets(names, ibans, accounts)


# ---------------------------------------------------------------------------------------------
# Pages: what a browser would show


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False
    label: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[FormField] = field(default_factory=list)

    @property
    def editable(self) -> list[FormField]:
        return [f for f in self.fields if f.kind not in ("hidden", "submit", "button", "reset", "image")]


class PageParser(HTMLParser):
    """Visible text nodes, links, forms (with their fields and labels) and error messages."""

    INVISIBLE = frozenset({"script", "style", "template", "head"})
    VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "col", "area", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.errors: list[str] = []
        self.title = ""
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, hidden, is_error)
        self._labels: dict[str, str] = {}
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._select: FormField | None = None
        self._textarea: FormField | None = None
        self._error_text: list[str] | None = None
        self._in_title = False

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._in_title = True
        if tag not in self.VOID:
            hidden = self._hidden() or tag in self.INVISIBLE or "hidden" in a
            classes = a.get("class", "").split()
            is_error = "error" in classes or "flash-error" in classes
            self._stack.append((tag, hidden, is_error))
            if is_error and self._error_text is None:
                self._error_text = []
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=(a.get("method") or "get").lower()))
        elif tag == "label":
            self._label_for = a.get("for", "")
            self._label_text = []
        elif tag == "input" and self.forms:
            kind = (a.get("type") or "text").lower()
            f = FormField(a.get("name", ""), kind, a.get("value", ""), checked="checked" in a)
            f.label = a.get("id", "")
            self.forms[-1].fields.append(f)
            if kind in ("submit", "button") and a.get("value") and not self._hidden():
                self.texts.append(a["value"])
            if a.get("placeholder") and not self._hidden():
                self.texts.append(a["placeholder"])
        elif tag == "select" and self.forms:
            self._select = FormField(a.get("name", ""), "select", label=a.get("id", ""))
            self.forms[-1].fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif tag == "textarea" and self.forms:
            self._textarea = FormField(a.get("name", ""), "textarea", label=a.get("id", ""))
            self.forms[-1].fields.append(self._textarea)
        for attribute in ("title", "aria-label", "alt"):
            if a.get(attribute) and not self._hidden():
                self.texts.append(a[attribute])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "label" and self._label_for is not None:
            self._labels[self._label_for] = " ".join(" ".join(self._label_text).split())
            self._label_for = None
        elif tag == "select":
            if self._select is not None and not self._select.value and self._select.options:
                self._select.value = self._select.options[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        if tag in self.VOID:
            return
        while self._stack:
            opened, _hidden, is_error = self._stack.pop()
            if is_error and self._error_text is not None and not any(e for *_x, e in self._stack):
                self.errors.append(" ".join(" ".join(self._error_text).split()))
                self._error_text = None
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._textarea is not None:
            self._textarea.value += data
        if self._hidden():
            return
        text = " ".join(data.split())
        if not text:
            return
        self.texts.append(text)
        if self._label_for is not None:
            self._label_text.append(text)
        if self._error_text is not None:
            self._error_text.append(text)

    def finish(self) -> None:
        for form in self.forms:
            for f in form.fields:
                f.label = self._labels.get(f.label, "")


def parse_page(body: str) -> PageParser:
    parser = PageParser()
    parser.feed(body)
    parser.close()
    parser.finish()
    return parser


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# ---------------------------------------------------------------------------------------------
# Checks


SNAKE_CASE = re.compile(r"(?<![\w@./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-])")
ENGLISH_AMOUNT = re.compile(
    r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?(?![\d,])|(?<![\d.,])\d+\.\d{2}(?![\d.,])"
)
ENGLISH_PERCENT = re.compile(r"(?<![\d.,])\d+\.\d+\s?%")
#: Words of English error messages that Dutch does not use (two of them in one error is English).
ENGLISH_WORDS = frozenset(
    [
        "must",
        "the",
        "required",
        "should",
        "invalid",
        "cannot",
        "please",
        "enter",
        "between",
        "than",
        "least",
        "field",
        "year",
        "not",
        "valid",
        "allowed",
        "already",
        "exceeds",
        "balance",
        "insufficient",
        "funds",
        "missing",
        "only",
        "digits",
        "letters",
        "whole",
        "number",
        "date",
        "to",
        "an",
        "and",
        "account",
        "amount",
        "be",
    ]
)
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}(?:-\d{2})?(?![\w-])")


class Catalogue:
    """The English msgids a Dutch page must not show (those translated to something else)."""

    def __init__(self, po: Path = NL_PO) -> None:
        with po.open("rb") as fh:
            catalog = read_po(fh, locale="nl")
        dutch: set[str] = set()
        pairs: list[tuple[str, str]] = []
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            dutch.update(" ".join(s.split()) for s in strings if s)
            pairs += [(" ".join(i.split()), " ".join((strings[0] or "").split())) for i in ids]
        dutch_text = "\n".join(dutch).lower()
        self.exact: set[str] = set()
        patterns: list[str] = []
        for msgid, msgstr in pairs:
            if msgid == msgstr or msgid in dutch or not re.search(r"[A-Za-z]{3}", msgid):
                continue
            if msgid.lower() in dutch_text:  # a loan word the Dutch use too ("community land trust")
                continue
            if "%(" in msgid or "{" in msgid:
                # Placeholders stand for anything; the words around them must be there.
                literal = re.split(r"%\(\w+\)[sdf]|\{\w*\}", msgid.replace("%%", "%"))
                if sum(len(part.strip()) for part in literal) < 8:
                    continue
                patterns.append(".+?".join(re.escape(part) for part in literal))
            else:
                self.exact.add(msgid.replace("%%", "%"))
        self.templated = re.compile("^(?:" + "|".join(patterns) + ")$", re.M) if patterns else None
        # Longer English sentences also count inside a longer text (a label with a colon, a sentence).
        long_ones = sorted((m for m in self.exact if len(m.split()) >= 3), key=len, reverse=True)
        self.inside = re.compile(r"\b(?:" + "|".join(re.escape(m) for m in long_ones) + r")\b")

    def english(self, texts: list[str]) -> list[str]:
        found = [t for t in texts if t in self.exact or t.rstrip(":").strip() in self.exact]
        joined = "\n".join(texts)
        if self.templated is not None:
            found += [m.group(0) for m in self.templated.finditer(joined)]
        found += [m.group(0) for m in self.inside.finditer(joined)]
        return sorted(set(found))


@dataclass
class Finding:
    check: str
    role: str
    language: str
    url: str
    detail: str

    @property
    def shape(self) -> str:
        return shape_of(self.url)


@dataclass
class Visit:
    role: str
    language: str
    url: str
    status: int
    queries: int
    seconds: float
    endpoint: str | None
    kind: str


def shape_of(url: str) -> str:
    """The URL with its ids replaced: pages of one shape are one kind of page."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "#", parts.path)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def dutch_problems(
    texts: list[str], catalogue: Catalogue, *, skip: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(check, detail) for English words and English or machine formats in Dutch visible text."""
    skipped = set(skip)
    texts = [t for t in texts if t not in skipped]
    problems = [("english text", t) for t in catalogue.english(texts)]
    joined = "\n".join(texts)
    for check, pattern in (
        ("snake_case code", SNAKE_CASE),
        ("english amount", ENGLISH_AMOUNT),
        ("english percentage", ENGLISH_PERCENT),
        ("iso date", ISO_DATE),
    ):
        problems += [(check, m) for m in sorted({m.group(0) for m in pattern.finditer(joined)})]
    return problems


def leak_problems(text: str, secrets: list[tuple[str, str]]) -> list[tuple[str, str]]:
    compact = re.sub(r"\s+", "", text)
    found = []
    for kind, value in secrets:
        if kind == "iban":
            if value in compact:
                found.append(("leak", f"{kind}: {value}"))
        elif re.search(r"(?<![\w-])" + re.escape(value) + r"(?![\w-])", text):
            found.append(("leak", f"{kind}: {value}"))
    return found


# ---------------------------------------------------------------------------------------------
# The crawler


class QueryCounter:
    """SQL statements issued on the app's engine since the last reset (BEGIN and friends not counted)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        self._engine = engine
        self._listener = self._count
        event.listen(engine, "before_cursor_execute", self._listener)

    def stop(self) -> None:
        """Stop counting (a test counts one request, then leaves the engine as it was)."""
        event.remove(self._engine, "before_cursor_execute", self._listener)

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if STATEMENT.match(statement):
            self.count += 1


@dataclass
class CrawlResult:
    visits: list[Visit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    offered: set[str] = field(default_factory=set)
    forms_submitted: int = 0
    seconds: float = 0.0
    #: Every endpoint of the app's URL map.
    endpoints: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "visits": [asdict(v) for v in self.visits],
            "findings": [asdict(f) for f in self.findings],
            "reached": sorted(self.reached),
            "offered": sorted(self.offered),
            "forms_submitted": self.forms_submitted,
            "seconds": self.seconds,
            "endpoints": sorted(self.endpoints),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CrawlResult:
        return cls(
            visits=[Visit(**v) for v in data["visits"]],
            findings=[Finding(**f) for f in data["findings"]],
            reached=set(data["reached"]),
            offered=set(data["offered"]),
            forms_submitted=data["forms_submitted"],
            seconds=data["seconds"],
            endpoints=set(data["endpoints"]),
        )


class Crawler:
    """Walks the app with Flask's test client as each role, in each language."""

    def __init__(
        self,
        app: Flask,
        *,
        sample: int = DEFAULT_SAMPLE,
        log: Callable[[str], None] = lambda _m: None,
    ) -> None:
        from bank.extensions import db

        self.app = app
        self.sample = sample
        self.log = log
        self.catalogue = Catalogue()
        self.secrets = member_secrets(app)
        assert db.engine is not None
        self.counter = QueryCounter(db.engine)
        self.result = CrawlResult()
        self._exception: str | None = None
        self._endpoint: str | None = None
        got_request_exception.connect(self._on_exception, app)
        request_started.connect(self._on_started, app)
        request_finished.connect(self._on_finished, app)
        self._forms: dict[tuple[str, str], tuple[Role, str, Form]] = {}
        self._clients: dict[str, FlaskClient] = {}
        self.rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}

    # signals ------------------------------------------------------------------------------
    def _on_exception(self, _sender: Any, exception: BaseException, **_kw: Any) -> None:
        self._exception = f"{type(exception).__name__}: {exception}"

    def _on_started(self, _sender: Any, **_kw: Any) -> None:
        self._exception = None
        self._endpoint = None

    def _on_finished(self, _sender: Any, **_kw: Any) -> None:
        from flask import request as current_request

        self._endpoint = current_request.endpoint

    # requests -----------------------------------------------------------------------------
    def _request(
        self, client: FlaskClient, method: str, url: str, role: Role, language: str, **kw: Any
    ) -> Any:
        self.counter.count = 0
        started = time.perf_counter()
        response = client.open(url, method=method, **kw)
        seconds = time.perf_counter() - started
        content_type = response.content_type or ""
        kind = next((k for k in ("html", "pdf", "json", "csv") if k in content_type), "other")
        visit = Visit(
            role.label, language, url, response.status_code, self.counter.count, seconds, self._endpoint, kind
        )
        self.result.visits.append(visit)
        if self._endpoint and response.status_code < 400:
            self.result.reached.add(self._endpoint)
        if response.status_code >= 500:
            self._find("5xx", role, language, url, f"{response.status_code} {self._exception or ''}".strip())
        if self.counter.count > MAX_QUERIES:
            self._find("sql statements", role, language, url, f"{self.counter.count} statements")
        return response

    def _find(self, check: str, role: Role, language: str, url: str, detail: str) -> None:
        self.result.findings.append(Finding(check, role.label, language, url, detail))

    def client_for(self, role: Role, language: str) -> FlaskClient:
        """The role's client, logged in once (a second-factor code is accepted once), in ``language``."""
        client = self._clients.get(role.label)
        if client is None:
            client = self._clients[role.label] = self.log_in(role, language)
        else:
            client.post(f"/lang/{language}")
        return client

    def log_in(self, role: Role, language: str) -> FlaskClient:
        from bank.auth.models import User
        from bank.demo import DEMO_PASSWORD
        from bank.extensions import db

        client = self.app.test_client()
        client.post(f"/lang/{language}")
        self.result.reached.add("auth.set_language")
        if role.email is None:
            return client
        response = client.post("/login", data={"email": role.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"{role.email} cannot log in: {response.status_code}"
        if "/login/totp" in response.headers.get("Location", ""):
            session = db.new_session()
            try:
                secret = session.scalar(select(User.totp_secret).where(User.email == role.email))
            finally:
                session.close()
            assert secret, f"{role.email} has no stored second factor secret"
            response = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now()})
            assert response.status_code == 302, f"{role.email}: second factor refused"
            self.result.reached.add("auth.totp")
        return client

    def crawl(
        self, roles: list[Role], languages: Iterable[str] = LANGUAGES, forms: bool = True
    ) -> CrawlResult:
        started = time.perf_counter()
        for language in languages:
            for role in roles:
                self.log(f"crawl {language} {role.label}")
                self.crawl_role(role, language)
        if forms:
            for language in languages:
                self.submit_forms(roles, language)
        self.result.seconds = time.perf_counter() - started
        # The JSON API has its own tests; the crawl is about pages.
        self.result.endpoints = {e for e, r in self.rules.items() if not r.rule.startswith("/api/")}
        return self.result

    def _local(self, base: str, href: str) -> str | None:
        href = html.unescape(href).strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            return None
        absolute = urlsplit(urljoin("http://localhost" + base, href))
        if absolute.netloc not in ("localhost", ""):
            return None
        path = absolute.path
        if path.startswith(SKIPPED_PREFIXES):
            return None
        return path + ("?" + absolute.query if absolute.query else "")

    def crawl_role(self, role: Role, language: str) -> None:
        client = self.client_for(role, language)
        queue: deque[str] = deque(["/"])
        seen: set[str] = {"/"}
        shapes: Counter[str] = Counter()
        secrets = self.secrets.others(role.member_ids) if role.member_ids else []
        while queue:
            url = queue.popleft()
            response = self._request(client, "GET", url, role, language)
            status = response.status_code
            if 300 <= status < 400:
                target = self._local(url, response.headers.get("Location", ""))
                if target and target not in seen:
                    seen.add(target)
                    queue.appendleft(target)
                continue
            if status in (404, 405) or (status == 403 and role.email is not None):
                self._find("broken link", role, language, url, str(status))
            body = response.get_data()
            content_type = response.content_type or ""
            portal = url.startswith("/portal") and bool(role.member_ids)
            if "pdf" in content_type:
                if portal:
                    for check, detail in leak_problems(pdf_text(body), secrets):
                        self._find(check, role, language, url, detail)
                continue
            text = body.decode("utf-8", "replace")
            if "json" in content_type:
                if portal:
                    for check, detail in leak_problems(text, secrets):
                        self._find(check, role, language, url, detail)
                continue
            if "html" not in content_type:
                continue
            page = parse_page(text)
            self.check_page(page, role, language, url, secrets if portal else [])
            for href in page.links:
                target = self._local(url, href)
                if target is None or target in seen:
                    continue
                shape = shape_of(target)
                if shapes[shape] >= SAMPLE_MORE.get(shape, self.sample):
                    continue
                shapes[shape] += 1
                seen.add(target)
                queue.append(target)
            for form in page.forms:
                action = self._local(url, form.action or url)
                if action is None:
                    continue
                endpoint = self._endpoint_of(action, form.method)
                if endpoint:
                    self.result.offered.add(endpoint)
                key = (language, shape_of(action) + " " + form.method)
                if key not in self._forms:
                    self._forms[key] = (role, url, Form(action, form.method, form.fields))

    def _endpoint_of(self, url: str, method: str) -> str | None:
        adapter = self.app.url_map.bind("localhost")
        try:
            endpoint, _args = adapter.match(urlsplit(url).path, method=method.upper())
        except Exception:
            return None
        return str(endpoint)

    def check_page(
        self, page: PageParser, role: Role, language: str, url: str, secrets: list[tuple[str, str]]
    ) -> None:
        texts = [page.title.strip(), *page.texts] if page.title.strip() else page.texts
        if language == "nl":
            own = {n for m in role.member_ids for n in self.secrets.names.get(m, ())}
            for check, detail in dutch_problems(texts, self.catalogue, skip=own):
                self._find(check, role, language, url, detail)
        if secrets:
            for check, detail in leak_problems("\n".join(texts), secrets):
                self._find(check, role, language, url, detail)

    # forms --------------------------------------------------------------------------------
    def submit_forms(self, roles: list[Role], language: str) -> None:
        by_role: dict[str, list[tuple[str, Form]]] = {}
        for (form_language, _shape), (role, page_url, form) in self._forms.items():
            if form_language == language and not form.action.startswith(SKIPPED_PREFIXES):
                by_role.setdefault(role.label, []).append((page_url, form))
        for role in roles:
            forms = by_role.get(role.label)
            if not forms:
                continue
            self.log(f"forms {language} {role.label}: {len(forms)}")
            client = self.client_for(role, language)
            for page_url, form in forms:
                if not form.editable:
                    continue  # a button that acts (block, approve, …): offered, not pressed
                for variant in ("empty", "nonsense"):
                    self.submit(client, role, language, page_url, form, variant)

    def submit(
        self, client: FlaskClient, role: Role, language: str, page_url: str, form: Form, variant: str
    ) -> None:
        data: list[tuple[str, str]] = []
        for f in form.fields:
            if not f.name:
                continue
            if f.kind in ("submit", "button", "reset", "image", "file"):
                continue
            if f.kind in ("hidden", "select"):
                # What a browser sends untouched: a user cannot empty a select or type into it.
                data.append((f.name, f.value))
            elif f.kind in ("checkbox", "radio"):
                if f.checked:
                    data.append((f.name, f.value or "on"))
            elif variant == "empty":
                data.append((f.name, ""))
            else:
                data.append((f.name, nonsense(f)))
        self.result.forms_submitted += 1
        label = f"{form.method.upper()} {form.action} ({variant}, from {page_url})"
        if form.method == "get":
            url = form.action.split("?")[0] + "?" + urlencode(data)
            response = self._request(client, "GET", url, role, language)
        else:
            response = self._request(client, "POST", form.action, role, language, data=MultiDict(data))
        if response.status_code >= 500:
            self.result.findings[-1].detail += f" ← {label}"
            return
        if "html" not in (response.content_type or ""):
            return
        if 300 <= response.status_code < 400:
            target = self._local(form.action, response.headers.get("Location", ""))
            if target is None:
                return
            response = self._request(client, "GET", target, role, language)
            if "html" not in (response.content_type or ""):
                return
            page = parse_page(response.get_data(as_text=True))
            self.check_page(page, role, language, target, [])
            return
        page = parse_page(response.get_data(as_text=True))
        self.check_page(page, role, language, form.action, [])
        if form.method != "post":
            return
        names = {f.name for f in form.fields if f.name}
        if not page.errors:
            self._find("form without errors", role, language, form.action, f"{response.status_code} {label}")
        for error in page.errors:
            codes = [n for n in names if ("_" in n and n in error) or re.match(re.escape(n) + r"\s*:", error)]
            if codes:
                self._find("form error names a code", role, language, form.action, f"{error!r} ← {label}")
            if language == "nl" and len(set(re.findall(r"[a-z]+", error.lower())) & ENGLISH_WORDS) >= 2:
                self._find("english error", role, language, form.action, f"{error!r} ← {label}")


def nonsense(f: FormField) -> str:
    """Something no form should accept for this field (but not harmful: it is a bank)."""
    if f.kind == "select":
        return "zzz-onzin"
    if f.kind in ("number", "text") and re.search(r"amount|bedrag|rate|shares|months|term", f.name):
        return "1.2.3x"
    if f.kind == "date" or "date" in f.name or f.name.endswith(("_on", "from", "to")):
        return "31-02-20xx"
    if f.kind == "email" or "email" in f.name:
        return "geen-e-mail"
    if "iban" in f.name:
        return "NL00ZZZZ0000000000"
    return "¿¿ zzz-onzin ??" if f.kind != "number" else "1.2.3x"


# ---------------------------------------------------------------------------------------------
# The benchmark


def fresh_database(database_url: str | None, folder: Path) -> str:
    if database_url is None:
        return f"sqlite:///{folder / 'crawl.db'}"
    if not database_url.startswith("postgresql"):
        raise SystemExit("--database-url must be a PostgreSQL URL (postgresql+psycopg://...)")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return make_url(database_url).render_as_string(hide_password=False)


def run(
    database_url: str,
    instance: str,
    *,
    languages: Iterable[str],
    forms: bool,
    sample: int,
    log: Callable[[str], None] = lambda _m: None,
) -> CrawlResult:
    from bank.extensions import db

    app = make_app(database_url, instance)
    with app.app_context():
        crawler = Crawler(app, sample=sample, log=log)
        roles = demo_roles(app)
        result = crawler.crawl(roles, languages=languages, forms=forms)
    db.remove()
    if db.engine is not None:
        db.engine.dispose()
    return result


def summary(result: CrawlResult) -> dict[str, Any]:
    visits = result.visits
    worst = sorted(visits, key=lambda v: v.queries, reverse=True)[:10]
    slowest = sorted(visits, key=lambda v: v.seconds, reverse=True)[:5]
    fivexx = [v for v in visits if v.status >= 500]
    by_check = Counter(f.check for f in result.findings)
    return {
        "pages_visited": len(visits),
        "distinct_urls": len({(v.url) for v in visits}),
        "roles": sorted({v.role for v in visits}),
        "forms_submitted": result.forms_submitted,
        "max_queries_per_page": max((v.queries for v in visits), default=0),
        "pages_5xx": len(fivexx),
        "pages_5xx_urls": sorted({f"{v.role} {v.language} {v.url}" for v in fivexx})[:20],
        "worst_pages": [
            {"url": v.url, "role": v.role, "language": v.language, "queries": v.queries} for v in worst
        ],
        "slowest_pages": [{"url": v.url, "role": v.role, "seconds": round(v.seconds, 3)} for v in slowest],
        "findings_by_check": dict(sorted(by_check.items())),
        "crawl_s": round(result.seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL database to use (its public schema is recreated)")
    parser.add_argument("--languages", default="nl,en")
    parser.add_argument("--no-forms", action="store_true", help="only follow links")
    parser.add_argument("--sample", type=int, default=DEFAULT_SAMPLE)
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    folder = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    url = fresh_database(args.database_url, folder)
    started = time.perf_counter()
    build_demo(url, str(folder / "instance"), echo=log)
    build_s = time.perf_counter() - started
    languages = [code for code in args.languages.split(",") if code]
    result = run(
        url,
        str(folder / "instance"),
        languages=languages,
        forms=not args.no_forms,
        sample=args.sample,
        log=log,
    )
    results = summary(result)
    results["demo_build_s"] = round(build_s, 1)
    checks = [
        {
            "name": "max_queries_per_page",
            "value": results["max_queries_per_page"],
            "target": f"<= {MAX_QUERIES}",
            "ok": results["max_queries_per_page"] <= MAX_QUERIES,
        },
        {
            "name": "pages_5xx",
            "value": results["pages_5xx"],
            "target": "== 0",
            "ok": results["pages_5xx"] == 0,
        },
    ]
    params = {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "languages": languages,
        "forms": not args.no_forms,
        "sample": args.sample,
    }
    print(json.dumps({"bench": "crawl", "params": params, "results": results, "checks": checks}))


def iter_findings(result: CrawlResult, check: str) -> Iterator[Finding]:
    return (f for f in result.findings if f.check == check)


if __name__ == "__main__":
    main()
