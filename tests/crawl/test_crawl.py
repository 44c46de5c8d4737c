"""The crawl: every demo role and kind of member walks the demo bank in Dutch and English.

``bench.crawl`` does the walking (see its docstring for the checks); this test fails on what it
finds. Findings that others are fixing right now are listed in ``KNOWN_FAILURES`` as (page shape,
check, owner): the suite is green while such a finding is there and ``test_known_failures_are_still_there``
turns red the moment a fix lands, when the entry must be deleted. Every other finding fails
``test_no_findings[<check>]``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from bench import crawl

#: Each check the crawl makes; a finding of any of them fails the suite unless it is known below.
CHECKS = (
    "5xx",
    "broken link",
    "sql statements",
    "english text",
    "snake_case code",
    "english amount",
    "english percentage",
    "iso date",
    "leak",
    "form without errors",
    "form error names a code",
    "english error",
)

#: (regular expression for the page shape, check, who fixes it). Delete an entry when it XPASSes.
KNOWN_FAILURES: list[tuple[str, str, str]] = []

#: Endpoints no role reaches by following links or forms, and why.
UNREACHED: dict[str, str] = {
    "auth.logout": "not followed: it ends the crawl's session (tests/security covers it)",
    "health.healthz": "a health check for the load balancer, not a page",
    "public.favicon": "asked for by browsers, linked from no page",
    "committee.vote": "the demo's committee members have voted on every application before them",
    "auth.enrol_second_factor": "the set-up link is issued by an administrator (tests/security covers it)",
    # Buttons for states the sampled demo pages are not in.
    "staff.prepare_application_disbursement": "only on an approved application with its conditions met",
    "committee.attachment": "the demo's applications carry no attachments",
    "staff.application_attachment": "the demo's applications carry no attachments",
    "portal.attachment": "the demo's applications carry no attachments",
    "portal.submit_application": "the demo's members hold no draft application",
    "portal.withdraw_application": "the demo's members hold no draft application",
    "portal.upload_attachment": "the demo's members hold no draft application",
    "portal.totp_disable": "only with the second factor switched on (tests/portal covers it)",
    "portal.account_statement": "linked only after a period is chosen (tests/portal covers it)",
    "staff.close_account": "only on an account with a zero balance",
    "staff.unblock_account": "only on a blocked account",
    "staff.loan_recovery": "only on a written-off loan",
    "staff.pay_pool_withdrawal": "only with a pool withdrawal that is due",
    "staff.pay_due_pool_withdrawals": "only with a pool withdrawal that is due",
    "staff.add_representative": "on an organisation's page, not among the sampled members",
    "staff.remove_representative": "on an organisation's page, not among the sampled members",
    "portal.accept_invite": "the link is in the invitation e-mail only (tests/portal covers it)",
    "portal.reset_password": "the link is in the password-reset e-mail only (tests/portal covers it)",
    "portal.confirm_email": "the link is in the address-confirmation e-mail only",
    "static": "stylesheets and scripts, not pages",
}


def _known(finding: crawl.Finding) -> tuple[str, str, str] | None:
    for entry in KNOWN_FAILURES:
        pattern, check, _owner = entry
        if check == finding.check and re.fullmatch(pattern, finding.shape):
            return entry
    return None


def _report(findings: list[crawl.Finding]) -> str:
    grouped: dict[tuple[str, str], list[crawl.Finding]] = defaultdict(list)
    for finding in findings:
        grouped[(finding.shape, finding.check)].append(finding)
    lines = []
    for (shape, check), items in sorted(grouped.items()):
        details = Counter(f.detail for f in items).most_common(4)
        example = items[0]
        lines.append(
            f"{check} on {shape} ({len(items)}×, e.g. {example.role}/{example.language} {example.url}): "
            + "; ".join(d for d, _n in details)
        )
    return "\n".join(lines)


@pytest.mark.parametrize("check", CHECKS)
def test_no_findings(crawl_result: crawl.CrawlResult, check: str) -> None:
    found = [f for f in crawl_result.findings if f.check == check and _known(f) is None]
    assert not found, f"{len(found)} findings:\n" + _report(found)


def test_known_failures_are_still_there(crawl_result: crawl.CrawlResult) -> None:
    """Every entry of KNOWN_FAILURES is still found; one that is not was fixed: delete the entry.

    One test over the list rather than a strict xfail per entry, so an empty list is a pass and
    not a skipped test.
    """
    fixed = [
        entry
        for entry in KNOWN_FAILURES
        if not any(f.check == entry[1] and re.fullmatch(entry[0], f.shape) for f in crawl_result.findings)
    ]
    assert not fixed, "no longer found, delete from KNOWN_FAILURES: " + "; ".join(map(repr, fixed))


def test_every_role_walks_the_bank_in_both_languages(crawl_result: crawl.CrawlResult) -> None:
    pages: Counter[tuple[str, str]] = Counter(
        (v.role, v.language) for v in crawl_result.visits if v.status < 400
    )
    roles = {
        "anonymous", "admin", "teller", "credit officer", "second credit officer", "committee member",
        "chair", "member (person)", "member (representative)", "member (borrower)",
    }  # fmt: skip
    for role in roles:
        for language in crawl.LANGUAGES:
            minimum = 2 if role == "anonymous" else 5
            assert pages[(role, language)] >= minimum, (
                f"{role} in {language}: {pages[(role, language)]} pages"
            )
    assert crawl_result.forms_submitted > 50
    # The crawl's own yardsticks are real: the query counter counts, the PDFs are read.
    assert max(v.queries for v in crawl_result.visits) > 5
    assert any(v.kind == "pdf" and v.status == 200 for v in crawl_result.visits)


def test_every_route_is_reached_by_some_role(crawl_result: crawl.CrawlResult) -> None:
    """Every endpoint is shown to some role (a link followed, a form submitted or offered), or is
    listed in UNREACHED with the reason; the JSON API has its own tests (tests/api)."""
    pages = crawl_result.endpoints
    covered = crawl_result.reached | crawl_result.offered
    unreached = {e for e in pages if e not in covered}
    assert sorted(unreached - set(UNREACHED)) == [], "endpoints nobody reaches (add links or list them)"
    assert sorted(set(UNREACHED) - unreached) == [], "now reached: delete from UNREACHED"
