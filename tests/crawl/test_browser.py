"""The crawled pages in the system Chromium: the portal fits a phone, and nothing blocks a screen reader.

Every portal page the crawl visited (one of each shape, for each kind of member) is opened at
390 px and at 1280 px wide: the page is no wider than the screen, no table scrolls sideways in it,
and the header spans it. The pages of every role (one of each shape) are checked with axe-core (the
script shipped by the PyPI package axe-playwright-python) against WCAG 2.1 A and AA: no serious or
critical violation.
Screenshots of what was opened go to ``BANK_SCREENSHOT_DIR`` (or a temporary folder).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser.live import serve

from bench import crawl

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Staff pages checked with axe: one of each shape for these roles (the others see the same templates).
AXE_STAFF_ROLES = ("admin", "chair")
#: The demo's roles, read by the ``server`` fixture from its copy of the demo.
ROLES: dict[str, crawl.Role] = {}


class BrowserConfig(crawl.CrawlConfig):
    """The crawl's settings without the second factor (the crawl itself logs in with it)."""

    STAFF_TOTP_REQUIRED = False


@pytest.fixture(scope="module")
def server(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs it: apt-get install chromium)")
    from bank import create_app
    from bank.extensions import db

    url, instance = demo.copy(f"browser-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise here
    app = create_app(BrowserConfig(database_url=url, instance_path=instance))
    ROLES.update({r.label: r for r in crawl.demo_roles(app)})
    try:
        with serve(app, name="crawl-browser") as base_url:
            yield base_url
    finally:
        db.remove()
        if db.engine is not None:
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("BANK_SCREENSHOT_DIR") or tmp_path_factory.mktemp("crawl-screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pages(
    result: crawl.CrawlResult, roles: tuple[str, ...] | None, prefix: str = "/"
) -> dict[str, list[str]]:
    """For each role, one Dutch HTML page of each shape that answered 200 (GET, not a form's answer)."""
    chosen: dict[str, dict[str, str]] = {}
    for visit in result.visits:
        if visit.language != "nl" or visit.status != 200 or visit.kind != "html":
            continue
        if (roles is not None and visit.role not in roles) or not visit.url.startswith(prefix):
            continue
        if "zzz" in visit.url or "20xx" in visit.url:  # a form submitted with nonsense
            continue
        chosen.setdefault(visit.role, {}).setdefault(crawl.shape_of(visit.url), visit.url)
    return {role: sorted(shapes.values()) for role, shapes in chosen.items()}


def _context(browser: Any, server: str, role: crawl.Role | None, width: int) -> Any:
    from bank.demo import DEMO_PASSWORD

    context = browser.new_context(base_url=server, viewport={"width": width, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(20_000)
    if role is not None and role.email:
        page.goto("/login")
        page.fill("#email", role.email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{role.email} could not log in"
    return context


def _name(url: str, width: int, role: str) -> str:
    return (
        f"{role.replace(' ', '-').replace('(', '').replace(')', '')}-{width}-"
        + (re.sub(r"[^A-Za-z0-9]+", "_", url).strip("_") or "home")
        + ".png"
    )


def _roles() -> dict[str, crawl.Role]:
    assert ROLES, "the server fixture reads the demo's roles"
    return ROLES


def _axe_problems(axe: Any, page: Any, label: str, url: str) -> list[str]:
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(f"{label} {url}: {violation['id']} ({violation['impact']}) {targets}")
    return problems


def test_portal_fits_a_phone_and_a_desktop(crawl_result, demo, server, browser, screenshots) -> None:
    """No portal page is wider than the screen and no table in it scrolls sideways: on a phone each
    row of a list is a card (``table.data.stacked``). At 390 px the portal is also checked with axe."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    roles = _roles()
    pages = _pages(crawl_result, tuple(r for r in roles if r.startswith("member")), "/portal")
    assert sum(len(urls) for urls in pages.values()) >= 15, pages
    problems: list[str] = []
    for label, urls in pages.items():
        for width in (390, 1280):
            context = _context(browser, server, roles[label], width)
            page = context.pages[0]
            for url in urls:
                page.goto(url)
                page.wait_for_load_state()
                measured = page.evaluate(
                    """() => ({
                        page: document.documentElement.scrollWidth,
                        header: document.querySelector('header.topbar').getBoundingClientRect().width,
                        wide: [...document.querySelectorAll('main *')]
                          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                          .filter(e => !e.closest('.table-scroll'))
                          .slice(0, 3).map(e => e.tagName + '.' + e.className),
                        scrolling: [...document.querySelectorAll('main table')]
                          .filter(t => t.scrollWidth > t.clientWidth + 1)
                          .slice(0, 3).map(t => t.className + ' ' + t.scrollWidth + ' px')
                    })"""
                )
                page.screenshot(path=str(screenshots / _name(url, width, label)), full_page=True)
                if measured["page"] > width + 1:
                    problems.append(
                        f"{label} {url} at {width}: page {measured['page']} px {measured['wide']}"
                    )
                if measured["scrolling"]:
                    problems.append(f"{label} {url} at {width}: tables scroll {measured['scrolling']}")
                if abs(measured["header"] - width) > 1 and measured["page"] <= width + 1:
                    problems.append(f"{label} {url} at {width}: header {measured['header']} px")
                if width == 390:
                    problems += _axe_problems(axe, page, label, url)
            context.close()
    assert not problems, "\n".join(problems)


def test_no_serious_accessibility_violations(crawl_result, demo, server, browser, screenshots) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    roles = _roles()
    pages = _pages(
        crawl_result, (*AXE_STAFF_ROLES, "anonymous", *(r for r in roles if r.startswith("member")))
    )
    # One of each shape over all roles: the staff see one set of templates whatever their role.
    seen: set[str] = set()
    problems: list[str] = []
    checked = 0
    for label, urls in pages.items():
        urls = [u for u in urls if crawl.shape_of(u) not in seen or u.startswith("/portal")]
        seen.update(crawl.shape_of(u) for u in urls)
        if not urls:
            continue
        context = _context(browser, server, roles.get(label), 1280)
        page = context.pages[0]
        for url in urls:
            page.goto(url)
            page.wait_for_load_state()
            problems += _axe_problems(axe, page, label, url)
            checked += 1
            if not url.startswith("/portal"):  # the portal's are taken by the test above
                page.screenshot(path=str(screenshots / _name(url, 1280, label)), full_page=True)
        context.close()
    assert checked >= 40
    assert not problems, f"{len(problems)} violations:\n" + "\n".join(problems)
