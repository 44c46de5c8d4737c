"""The whole loan journey as its people do it, in Dutch, on the demo of ``make run``.

The demo is loaded by the same commands ``make run`` uses (``bank db upgrade``, ``bank demo
--if-empty``) into a temporary instance folder and served by gunicorn on a free port. Chromium then
walks the journey as the people who do it: a teller registers a member and books the deposit "12.000"
as typed in Dutch, the member accepts the portal invitation and applies, the credit officer reviews
and puts the application on the agenda, committee members declare and vote, the chair decides, the
officer ticks off the condition and prepares the payout, a second staff member approves it (four
eyes), the administrator closes the day on the runs page, and the member reads the loan, the schedule,
the statement PDF and the mail.

Every page on the way is checked: no error page, no English sentence of the catalogue, no
snake_case code, no ISO date or English-formatted amount or percentage, no other member's name on a
portal page, and no page wider than the screen (1280 px; portal pages also 390 px).

Findings that others are fixing in parallel are listed in ``PENDING``: a check that matches one is
tolerated, and a pending finding that is no longer seen fails the test (a strict xfail), so the
entry is removed as the fix lands. Screenshots go to ``BANK_SCREENSHOT_DIR`` when set.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from bank import clock
from bank.calendar import is_business_day
from browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "bank" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
DEMO_PASSWORD = "wijkbank-demo-2026"
MEMBER_PASSWORD = "zomer aan de amstel twintig"
TELLER = "balie@wijkbank.example"
SECOND_TELLER = "balie2@wijkbank.example"
OFFICER = "krediet@wijkbank.example"
ADMIN = "beheer@wijkbank.example"
CHAIR = "commissie1@wijkbank.example"
VOTERS = ["commissie2@wijkbank.example", "commissie3@wijkbank.example", CHAIR]
NEW_MEMBER = {"first_name": "Noor", "last_name": "Reisiger", "email": "noor.reisiger@example.org"}

#: Findings of issue 12 that others fix in parallel: name -> (pattern of the tolerated violation).
#: Strict: a pending finding that the journey no longer meets fails the test; remove it then.
#: A pattern is matched against "<page>: <check>: <what was found>" without the text around the
#: find, so it names the raw code itself (r"code: 'member\.\w+'"); the surrounding text holds
#: arrows and words any other finding may have (the last entry here matched "→" and so hid an
#: English audit detail).
PENDING: dict[str, str] = {}


# --------------------------------------------------------------------------------------------
# The demo of `make run`, served on a free port


@dataclass
class Demo:
    url: str
    database: Path
    folder: Path

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    """``make run``'s steps in a temporary instance folder (in memory where /dev/shm exists)."""
    folder = Path(tempfile.mkdtemp(prefix="journey-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    database = folder / "wijkbank.db"
    env = {
        **os.environ,
        "BANK_ENV": "development",
        "BANK_INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    binaries = Path(sys.executable).parent
    for command in (["db", "upgrade"], ["demo", "--if-empty"]):
        done = subprocess.run(
            [str(binaries / "bank"), *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, done.stdout + done.stderr
    port = _free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [str(binaries / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=5).close()
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, (folder / "server.log").read_text()
            time.sleep(0.2)
    try:
        yield Demo(url=url, database=database, folder=folder)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        subprocess.run(["rm", "-rf", str(folder)], check=False)


# --------------------------------------------------------------------------------------------
# What every page is checked for


def _english_phrases() -> list[re.Pattern[str]]:
    """Catalogue msgids a Dutch page must not show: those whose Dutch differs, split at placeholders.

    Fragments of two or more words (and single words of 6+ letters that no Dutch msgstr uses) are
    searched as whole words, so "Status" (the same in both) or "of" (a Dutch word too) never count.
    """
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    messages = [m for m in catalogue if m.id and isinstance(m.id, str) and isinstance(m.string, str)]
    dutch_words = {w.lower() for m in messages for w in re.findall(r"[^\W\d_]+", m.string)}
    dutch_text = " ".join(" ".join(m.string.split()) for m in messages).lower()
    phrases: set[str] = set()
    for message in messages:
        if not message.string or message.string == message.id:
            continue
        for fragment in re.split(r"%\([a-z_]+\)s|%s|\{[a-z_]*\}|[()\[\]:;.,!?…·—\"]", message.id):
            words = re.findall(r"[A-Za-z][A-Za-z'-]*", fragment)
            text = " ".join(words)
            if text.isupper() or text.lower() in dutch_text or text in LANGUAGE_NAMES:
                continue  # a code such as COOP-START, a loanword the Dutch uses too, "English" itself
            if (len(words) >= 2 and len(text) >= 8) or (
                len(words) == 1 and len(text) >= 6 and text.lower() not in dutch_words
            ):
                phrases.add(text)
    return [
        re.compile(r"(?<![\w-])" + r"\s+".join(map(re.escape, p.split())) + r"(?![\w-])") for p in phrases
    ]


#: Each language is offered in its own words ("Nederlands", "English"), on purpose.
LANGUAGE_NAMES = {"English"}
CODE = re.compile(r"(?<![\w@./-])[a-z]+(?:_[a-z]+)+(?![\w@.-])")
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
ISO_MONTH = re.compile(r"(?<![\d-])20\d{2}-(?:0[1-9]|1[0-2])(?![\d-])")
ENGLISH_AMOUNT = re.compile(r"(?<![\d.,])\d+(?:,\d{3})*\.\d{2}(?![\d])")
STAFF_EMAIL = re.compile(r"[\w.+-]+@wijkbank\.example")
ENGLISH_DECIMAL = re.compile(r"(?<![\d.,])\d+\.\d+\s?(?:%|s\b)")


@dataclass
class Findings:
    """Violations met on the way; those of a pending finding are tolerated and remembered."""

    pending: dict[str, re.Pattern[str]]
    violations: list[str] = field(default_factory=list)
    seen_pending: set[str] = field(default_factory=set)

    def add(self, where: str, what: str) -> None:
        found = what.split(" in '", 1)[0]  # the find itself, not the text around it
        for name, pattern in self.pending.items():
            if pattern.search(f"{where}: {found}"):
                self.seen_pending.add(name)
                return
        self.violations.append(f"{where}: {what}")

    def expect(self, condition: bool, where: str, what: str) -> None:
        if not condition:
            self.add(where, what)


@dataclass
class Journey:
    demo: Demo
    browser: Any
    shots: Path
    findings: Findings
    english: list[re.Pattern[str]]
    other_names: list[str]
    portal_urls: list[str] = field(default_factory=list)
    counter: int = 0

    def person(self, email: str, password: str = DEMO_PASSWORD, width: int = 1280) -> Any:
        """A browser of one's own (cookies, language) logged in as ``email``."""
        context = self.browser.new_context(
            base_url=self.demo.url,
            viewport={"width": width, "height": 900},
            accept_downloads=True,
            locale="nl-NL",
            timezone_id="Europe/Amsterdam",
        )
        page = context.new_page()
        page.set_default_timeout(10_000)

        def on_response(response: Any) -> None:
            if response.request.resource_type == "document" and response.status >= 400:
                self.findings.add(response.url, f"HTTP {response.status} for {email}")

        page.on("response", on_response)
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "/login" not in page.url, f"{email} could not log in: {page.inner_text('main')}"
        return page

    def look(self, page: Any, name: str, *, portal: bool = False) -> str:
        """Check the page as it stands and take its screenshot; returns its visible text."""
        page.wait_for_load_state()
        self.counter += 1
        page.screenshot(path=str(self.shots / f"{self.counter:02d}-{name}.png"), full_page=True)
        where = f"{name} ({page.url.removeprefix(self.demo.url)})"
        text = page.inner_text("body")
        for switch in page.query_selector_all("form[action^='/lang/']"):
            text = text.replace(switch.inner_text(), " ", 1)  # "English" is the way back, on purpose
        self.findings.expect(
            page.query_selector("html[lang=nl]") is not None, where, "the page is not in Dutch (lang)"
        )
        for heading in ("Er ging iets mis", "Niet gevonden", "Niet toegestaan", "Verzoek geweigerd"):
            self.findings.expect(heading not in page.inner_text("h1") if page.query_selector("h1") else True,
                                 where, f"error page: {heading}")  # fmt: skip
        for pattern in self.english:
            match = pattern.search(text)
            if match:
                self.findings.add(where, f"English: {match.group(0)!r} in {_around(text, match)!r}")
        for label, pattern in (
            ("code", CODE),
            ("ISO date", ISO_DATE),
            ("ISO month", ISO_MONTH),
            ("English amount", ENGLISH_AMOUNT),
            ("English decimal", ENGLISH_DECIMAL),
        ):
            for match in pattern.finditer(text):
                self.findings.add(where, f"{label}: {match.group(0)!r} in {_around(text, match)!r}")
        for match in STAFF_EMAIL.finditer(text):
            self.findings.add(where, f"a staff e-mail where a name belongs: {_around(text, match)!r}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        viewport = page.viewport_size["width"]
        self.findings.expect(width <= viewport, where, f"{width} px wide at {viewport} px")
        if portal:
            for name_of_other in self.other_names:
                if name_of_other in text:
                    self.findings.add(where, f"another member's name: {name_of_other}")
            path = page.url.removeprefix(self.demo.url)
            if path not in self.portal_urls:
                self.portal_urls.append(path)
        return text

    def submit(self, page: Any, selector: str) -> None:
        with page.expect_navigation():
            page.click(selector)


def _around(text: str, match: re.Match[str]) -> str:
    return " ".join(text[max(0, match.start() - 40) : match.end() + 40].split())


def _pdf_text(path: str | Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(path).read_bytes())).pages)


@pytest.fixture
def journey(demo: Demo, tmp_path: Path) -> Iterator[Journey]:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("BANK_SCREENSHOT_DIR") or tmp_path / "screenshots") / "journey"
    shots.mkdir(parents=True, exist_ok=True)
    others = [
        name
        for kind, first, prefix, last, legal, display, listed in demo.query(
            "SELECT kind, first_name, name_prefix, last_name, legal_name, display_name, listing_consent"
            " FROM members"
        )
        if (name := " ".join(p for p in (first, prefix, last) if p) if kind == "person" else legal or display)
        and not (kind == "organisation" and listed)
    ]
    findings = Findings({name: re.compile(pattern) for name, pattern in PENDING.items()})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield Journey(demo, browser, shots, findings, _english_phrases(), others)
        finally:
            browser.close()


# --------------------------------------------------------------------------------------------
# The journey


def test_a_loan_from_registration_to_the_first_repayment_in_dutch(journey: Journey) -> None:
    j, demo, f = journey, journey.demo, journey.findings
    today = clock.today()  # the business date in Amsterdam, as the server sees it
    # The first instalment falls due tomorrow, the latest day a close day may be run for. An
    # instalment due on a weekend or TARGET2 holiday is collected on the next business day, so
    # when tomorrow is closed (a Friday) the close day leaves it open (the journey failed there).
    first_due = today + dt.timedelta(days=1)
    collected_tomorrow = is_business_day(first_due)

    # The teller registers Noor, issues her first share, opens an account and books "12.000".
    teller = j.person(TELLER)
    j.look(teller, "teller-home")
    teller.goto("/staff/members/new/person")
    j.look(teller, "teller-register-form")
    for name, value in {
        **{k: v for k, v in NEW_MEMBER.items()},
        "date_of_birth": "1988-03-14",
        "street": "Dapperstraat",
        "house_number": "12",
        "postcode": "1093 BS",
        "city": "Amsterdam",
        "external_iban": "NL91ABNA0417164300",
    }.items():
        teller.fill(f"#{name}", value)
    j.submit(teller, "main form button[type=submit].primary")
    j.look(teller, "teller-member-registered")
    member_url = teller.url.split("#")[0]
    member_id = int(member_url.rstrip("/").rsplit("/", 1)[1])
    full_name = f"{NEW_MEMBER['first_name']} {NEW_MEMBER['last_name']}"
    assert full_name in teller.inner_text("h1")
    j.other_names = [n for n in j.other_names if n != full_name]

    teller.goto(f"/staff/members/{member_id}/shares/issue")
    j.look(teller, "teller-shares-form")
    teller.fill("#shares", "1")
    j.submit(teller, "main form button[type=submit].primary")
    j.look(teller, "teller-member-active")
    teller.goto(f"/staff/members/{member_id}/accounts/new")
    j.look(teller, "teller-open-account")
    j.submit(teller, "main form button[type=submit].primary")
    account_url = teller.url.split("#")[0]
    account_id = int(account_url.rstrip("/").rsplit("/", 1)[1])
    teller.goto(f"/staff/accounts/{account_id}/deposit")
    j.look(teller, "teller-deposit-form")
    teller.fill("#amount", "12.000")
    teller.fill("#description", "Eerste inleg")
    j.submit(teller, "main form button[type=submit].primary")
    text = j.look(teller, "teller-account-after-deposit")
    # Babel writes "€ 12.000,00" with a no-break space after the euro sign.
    booked = "€ 12.000,00" in text.replace("\xa0", " ")
    f.expect(booked, "deposit", "“12.000” was not booked as € 12.000,00")

    # The member gets portal access: the invitation waits in the outbox with its link.
    teller.goto(f"/staff/members/{member_id}#portal")
    j.submit(teller, "#portal .invite-button")
    j.look(teller, "teller-member-invited")
    # The stored copy hides the one-time link; the mail itself is a file under instance/mail.
    sent = sorted((demo.folder / "mail").glob(f"*-{NEW_MEMBER['email']}.txt"))
    assert sent, "no invitation mail under instance/mail"
    body = sent[-1].read_text(encoding="utf-8")
    link = re.search(r"https?://\S+/portal/invite/\S+", body)
    assert link, body
    invite_path = "/portal/invite/" + link.group(0).rsplit("/portal/invite/", 1)[1]

    # Noor chooses her password on her phone and applies for a bridge loan.
    context = j.browser.new_context(base_url=demo.url, viewport={"width": 390, "height": 800}, locale="nl-NL")
    phone = context.new_page()
    phone.goto(invite_path)
    j.look(phone, "member-invite-390", portal=True)
    phone.fill("#password", MEMBER_PASSWORD)
    phone.fill("#confirm", MEMBER_PASSWORD)
    j.submit(phone, "main form button[type=submit]")
    context.close()
    member = j.person(NEW_MEMBER["email"], MEMBER_PASSWORD)
    assert "/portal" in member.url
    j.look(member, "member-home", portal=True)
    member.goto("/portal/applications/new")
    j.look(member, "member-new-application", portal=True)
    ((product_id,),) = demo.query(
        "SELECT id FROM loan_products WHERE code = 'OVERBRUG' AND status = 'active'"
    )
    member.select_option("#product_id", str(product_id))
    j.submit(member, "main form button[type=submit]")
    application_url = member.url
    application_id = int(application_url.rstrip("/").rsplit("/", 1)[1])
    j.look(member, "member-draft", portal=True)
    member.fill("#amount", "8000")
    member.fill("#term_months", "12")
    member.select_option("#repayment_account_id", str(account_id))
    member.fill("#purpose_text", "Een bakfiets en een koelvitrine voor mijn groentekraam op de Dappermarkt.")
    for number, (what, amount) in enumerate((("Bakfiets", "3500"), ("Koelvitrine", "4500")), start=1):
        member.fill(f"[name=cost_description_{number}]", what)
        member.fill(f"[name=cost_amount_{number}]", amount)
    j.submit(member, "main form:not([action]) button[type=submit]")
    j.look(member, "member-draft-saved", portal=True)
    j.submit(member, f"form[action$='/applications/{application_id}/submit'] button")
    text = j.look(member, "member-application-submitted", portal=True)
    assert "ingediend" in text
    (number,) = demo.query("SELECT number FROM loan_applications WHERE id = ?", application_id)[0]

    # The credit officer takes it into review, fills in the review and puts it on the agenda.
    officer = j.person(OFFICER)
    j.look(officer, "officer-home")
    officer.goto("/staff/applications")
    j.look(officer, "officer-applications")
    officer.goto(f"/staff/applications/{application_id}")
    j.look(officer, "officer-application-submitted")
    j.submit(officer, "form[action$='/move/in_review'] button")
    j.look(officer, "officer-review-form")
    for item in ("identity_verified", "financials"):
        officer.check(f"input[name=checklist][value={item}]")
    officer.select_option("#risk_grade", "B")
    officer.fill("#recommended_amount", "8000")
    officer.fill("#recommended_term_months", "12")
    officer.fill("#recommended_rate_annual", "7,5")
    officer.fill("#proposed_conditions", "Getekende offerte van de bakfiets")
    officer.fill("#review_notes", "Vaste standplaats en stabiele omzet op de markt.")
    j.submit(officer, f"form[action$='/applications/{application_id}/review'] button")
    j.look(officer, "officer-review-saved")
    j.submit(officer, f"form[action$='/applications/{application_id}/agenda'] button")
    text = j.look(officer, "officer-on-agenda")
    (meeting_id,) = demo.query(
        "SELECT meeting_id FROM committee_agenda_items WHERE application_id = ?", application_id
    )[0]

    # Committee members declare they have no conflict and vote; the chair decides.
    for email in VOTERS:
        voter = j.person(email)
        if email == VOTERS[0]:
            j.look(voter, "committee-home")
            voter.goto(f"/committee/meetings/{meeting_id}")
            j.look(voter, "committee-agenda")
        voter.goto(f"/committee/applications/{application_id}")
        j.look(voter, f"committee-application-{email.split('@')[0]}")
        voter.check("input[name=has_conflict][value=no]")
        j.submit(voter, "form[action$='/declare'] button")
        voter.check("input[name=choice][value=approve]")
        j.submit(voter, "form[action$='/vote'] button")
        j.look(voter, f"committee-voted-{email.split('@')[0]}")
        if email != CHAIR:
            voter.context.close()
    chair = voter
    f.expect(
        "bakfiets" in chair.input_value("#conditions"),
        "decision form",
        "the chair's conditions are not prefilled with the officer's proposal",
    )
    if not chair.input_value("#conditions"):
        chair.fill("#conditions", "Getekende offerte van de bakfiets")
    j.submit(chair, "form[action$='/decide'] button")
    text = j.look(chair, "committee-decided")
    with chair.expect_download() as letter:
        chair.click(f"a[href$='/applications/{application_id}/letter.pdf']")
    letter_text = _pdf_text(letter.value.path())
    _check_pdf(f, "decision letter", letter_text, [*j.other_names, CHAIR])
    chair.context.close()

    # The officer ticks the condition off and prepares the payout; a second teller approves it.
    officer.goto(f"/staff/applications/{application_id}")
    j.look(officer, "officer-approved")
    officer.fill("form[action*='/conditions/'] input[name=evidence_note]", "Getekende offerte in het dossier")
    j.submit(officer, "form[action*='/conditions/'] button")
    j.look(officer, "officer-condition-met")
    # The first instalment falls due tomorrow; the close day below collects it on a business day.
    officer.fill("#first_due_on", first_due.isoformat())
    j.submit(officer, f"form[action$='/applications/{application_id}/disburse'] button")
    j.look(officer, "officer-disbursement-prepared")
    officer.goto("/staff/approvals")
    j.look(officer, "officer-approvals-own-request")
    (approval_id,) = demo.query(
        "SELECT id FROM approvals WHERE status = 'pending' AND kind = 'loan_disbursement' ORDER BY id DESC"
    )[0]
    f.expect(
        officer.query_selector(f"form[action$='/approvals/{approval_id}/approve']") is None,
        "approvals",
        "the maker may approve their own disbursement",
    )
    second = j.person(SECOND_TELLER)
    second.goto("/staff/approvals")
    j.look(second, "second-approvals")
    j.submit(second, f"form[action$='/approvals/{approval_id}/approve'] button")
    j.look(second, "second-approved")
    (loan_id,) = demo.query("SELECT loan_id FROM loan_applications WHERE id = ?", application_id)[0]
    assert loan_id, "the approved disbursement made no loan"
    officer.goto(f"/staff/applications/{application_id}")
    j.look(officer, "officer-application-disbursed")

    # The administrator closes the day on the runs page; the first instalment is collected.
    admin = j.person(ADMIN)
    j.look(admin, "admin-home")
    admin.goto("/staff/runs")
    j.look(admin, "admin-runs")
    admin.select_option("#job", "close_day")
    admin.fill("#date", first_due.isoformat())
    j.submit(admin, "form[action$='/runs/start'] button")
    j.look(admin, "admin-run-started")
    deadline = time.monotonic() + 60
    while not demo.query(
        "SELECT 1 FROM runs WHERE job = 'close_day' AND business_date = ? AND status != 'running'",
        first_due.isoformat(),
    ):
        assert time.monotonic() < deadline, "the close-day run did not finish within a minute"
        time.sleep(0.5)
    admin.reload()
    j.look(admin, "admin-runs-after")
    (paid,) = demo.query(
        "SELECT count(*) FROM instalments WHERE loan_id = ? AND number = 1 AND status = 'paid'", loan_id
    )[0]
    if collected_tomorrow:
        assert paid == 1, "the first instalment was not collected by the close-day run"
    else:
        assert paid == 0, f"the instalment due on {first_due}, a closed day, was collected early"
    admin.goto(f"/staff/loans/{loan_id}")
    j.look(admin, "admin-loan")

    # Noor reads her loan, its schedule, her account, the statement PDF and her mail.
    member.goto("/portal/")
    j.look(member, "member-home-with-loan", portal=True)
    member.goto(f"/portal/loans/{loan_id}")
    text = j.look(member, "member-loan", portal=True)
    assert "8.000,00" in text
    with member.expect_download() as statement:
        member.click("#loan-statement")
    _check_pdf(f, "loan statement", _pdf_text(statement.value.path()), j.other_names)
    member.goto(f"/portal/accounts/{account_id}")
    j.look(member, "member-account", portal=True)
    member.fill("#from", today.replace(day=1).isoformat())
    member.fill("#to", today.isoformat())
    j.submit(member, "form.period-filter button[type=submit]")
    j.look(member, "member-account-period", portal=True)
    with member.expect_download() as statement:
        member.click(f"a[href*='/portal/accounts/{account_id}/statement.pdf']")
    account_text = _pdf_text(statement.value.path())
    _check_pdf(f, "account statement", account_text, j.other_names)
    f.expect("12.000,00" in account_text, "account statement", "the deposit of € 12.000,00 is missing")
    member.goto(application_url)
    j.look(member, "member-application-disbursed", portal=True)
    for path in ("/portal/statements", "/portal/applications", "/portal/profile", "/portal/pools"):
        member.goto(path)
        j.look(member, "member" + path.replace("/", "-"), portal=True)
    mails = demo.query("SELECT subject, body FROM outbox_messages WHERE member_id = ? ORDER BY id", member_id)
    subjects = [subject for subject, _body in mails]
    assert any(number in s and "ontvangen" in s for s in subjects), subjects
    assert any("goedgekeurd" in s for s in subjects), subjects
    assert any("uitbetaald" in s for s in subjects), subjects
    for subject, mail_body in mails:
        _check_pdf(f, f"mail {subject!r}", subject + "\n" + mail_body, j.other_names)

    # The member's pages, once more on a phone.
    phone = j.person(NEW_MEMBER["email"], MEMBER_PASSWORD, width=390)
    for path in j.portal_urls:
        if "/invite/" in path:
            continue
        phone.goto(path)
        j.look(phone, "phone" + re.sub(r"[/?=&]+", "-", path).rstrip("-"), portal=True)

    unseen = sorted(set(PENDING) - f.seen_pending)
    problems = f.violations + [
        f"pending finding no longer seen (remove it from PENDING): {n}" for n in unseen
    ]
    assert not problems, "\n".join(problems)


def _check_pdf(findings: Findings, where: str, text: str, forbidden_names: list[str]) -> None:
    """A document for the member: Dutch amounts and dates, nobody else's name."""
    for label, pattern in (("ISO date", ISO_DATE), ("English amount", ENGLISH_AMOUNT), ("code", CODE)):
        for match in pattern.finditer(text):
            findings.add(where, f"{label}: {match.group(0)!r} in {_around(text, match)!r}")
    for name in forbidden_names:
        if name and name in text:
            findings.add(where, f"another person's name: {name}")


def test_a_pending_pattern_sees_the_find_not_the_text_around_it() -> None:
    """The last PENDING entry matched "→" anywhere near a find, and so tolerated English text."""
    findings = Findings({"raw code": re.compile(r"code: 'member\.\w+'")})
    findings.add("audit", "English: 'member share' in 'status → actief, first member share paid'")
    findings.add("audit", "code: 'member.update' in 'lid → member.update'")
    assert findings.violations == [
        "audit: English: 'member share' in 'status → actief, first member share paid'"
    ]
    assert findings.seen_pending == {"raw code"}
