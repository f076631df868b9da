"""End to end in Chromium, the page's dates, provenance and change list (issue 12, items 3-5):
typed dates that apply once, the chosen date across views, dates as links, the slider placed by
time, the lifespan bar, "as recorded by", impossible dates in the address reported; sources that
link to their documents, decision and document views; the change list grouped, filtered,
searched and paged — at desktop (1440×900) and phone (390×844) sizes.

``UPDATE_SCREENSHOT=1`` keeps a screenshot of each in docs/screenshots/ (``data-*.png``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest

from orgevents.store import open_store
from tests.test_http_e2e import AUTH, Server, browser, server, wait_for_chart  # noqa: F401

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


def tab(browser: Any, size: str) -> Iterator[Any]:  # noqa: F811
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors = []
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


@pytest.fixture(params=sorted(SIZES))
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:  # noqa: F811
    """A page at each size: the test runs once on a desktop, once on a phone."""
    found = tab(browser, request.param)
    shown = next(found)
    shown.size = request.param
    yield shown
    next(found, None)


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:  # noqa: F811
    yield from tab(browser, "desktop")


def shot(page: Any, name: str) -> None:
    """A screenshot of the page as it is; with UPDATE_SCREENSHOT=1 kept in docs/screenshots."""
    page.mouse.move(0, 0)
    page.wait_for_timeout(200)
    picture = page.screenshot()
    assert len(picture) > 10_000
    if os.environ.get("UPDATE_SCREENSHOT"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"data-{name}-{page.size}.png").write_bytes(picture)


def on_phone_tap(page: Any, name: str) -> None:
    """On a phone the chart, the details and the changes are tabs: the user taps the one asked."""
    if page.size == "phone":
        page.get_by_role("button", name=name, exact=True).click()


def history_length(page: Any) -> int:
    return int(page.evaluate("() => history.length"))


# --- item 3: dates ------------------------------------------------------------------------


def test_a_typed_date_applies_once_on_enter_and_back_returns(server, desktop):  # noqa: F811
    page = desktop
    page.goto(f"{server.url}/?at=2026-01-01")
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    before = history_length(page)
    field = page.locator("#date")
    field.focus()  # the first part of the field: the month
    page.keyboard.type("12312025", delay=30)  # month, day, year: each keystroke a valid value
    page.wait_for_timeout(300)
    assert "at=2026-01-01" in page.url  # nothing applied while typing
    assert history_length(page) == before
    page.keyboard.press("Enter")
    wait_for_chart(page, "Organisation on 31 Dec 2025")
    assert "at=2025-12-31" in page.url
    assert history_length(page) == before + 1  # one entry, not one per keystroke
    page.go_back()
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    assert page.errors == []


def test_the_chosen_date_survives_view_switches_and_changes_default_around_it(server, page):  # noqa: F811
    page.goto(f"{server.url}/?at=2025-12-31")
    wait_for_chart(page, "Organisation on 31 Dec 2025")
    page.locator("#mode-diff").click()
    # around 31 December 2025: what takes effect next — the move of 1 January 2026
    wait_for_chart(page, "Changes after 31 Dec 2025 up to 1 Jan 2026")
    assert "at=2025-12-31" in page.url
    page.locator("#mode-graph").click()
    wait_for_chart(page, "Responsibilities on 31 Dec 2025")
    page.locator("#mode-chart").click()
    wait_for_chart(page, "Organisation on 31 Dec 2025")
    assert page.locator("#date").input_value() == "2025-12-31"
    assert page.errors == []


def test_history_dates_are_links_and_a_unit_has_a_lifespan_bar(server, page):  # noqa: F811
    page.goto(f"{server.url}/?at=2026-03-01&id=biu")
    wait_for_chart(page, "Organisation on 1 Mar 2026")
    on_phone_tap(page, "Details")
    panel = page.locator("#panel")
    panel.locator(".lifespan-bar .life").first.wait_for()
    assert panel.locator(".lifespan-bar .now").count() == 1
    panel.locator(".lifespan").scroll_into_view_if_needed()
    shot(page, "lifespan")
    link = panel.locator("ol.history li.change .when button.date", has_text="2026-01-01").first
    link.scroll_into_view_if_needed()
    shot(page, "history-links")
    link.click()
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    assert "at=2026-01-01" in page.url
    # on a phone the date shows the chart, not the details
    assert page.locator("#chart").is_visible()
    assert page.errors == []


def test_the_slider_is_placed_by_time_with_a_mark_per_change_date(server, page):  # noqa: F811
    page.goto(f"{server.url}/?at=2026-01-01")
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    marks = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#ticks .mark')]"
        ".map(m => [m.dataset.date, parseFloat(m.style.left)]))"
    )
    dates = page.evaluate("() => fetch('/api/dates').then(r => r.json())")
    assert sorted(marks) == dates  # a mark for every change date
    first, last = dates[0], dates[-1]

    def day(text: str) -> int:
        import datetime as dt

        return dt.date.fromisoformat(text).toordinal()

    span = day(last) - day(first)
    for d in dates:  # each where its time puts it
        assert marks[d] == pytest.approx((day(d) - day(first)) / span * 100, abs=0.01)
    # labels never overlap
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('#ticks .tick')].map(t => t.getBoundingClientRect())"
        ".map(b => [b.left, b.right])"
    )
    assert all(a[1] <= b[0] for a, b in pairwise(boxes))
    # the arrow keys step from change date to change date
    page.locator("#slider").focus()
    page.keyboard.press("ArrowRight")
    wait_for_chart(page, "Organisation on 1 Feb 2026")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    wait_for_chart(page, f"Organisation on {long(dates[dates.index('2026-01-01') - 1])}")
    shot(page, "slider")
    assert page.errors == []


def long(text: str) -> str:
    import datetime as dt

    d = dt.date.fromisoformat(text)
    return f"{d.day} {d:%b} {d.year}"


def test_as_recorded_by_is_a_control(server, desktop):  # noqa: F811
    page = desktop
    page.goto(f"{server.url}/?at=2026-01-01")
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    field = page.locator("#known-at-date")
    field.focus()
    page.keyboard.type("01012001", delay=20)
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('known_at=2001-01-01')")
    page.locator("#changes-title", has_text="Nothing is recorded").wait_for()
    assert page.locator("#known-at-clear").is_visible()
    page.locator("#known-at-clear").click()
    page.wait_for_function("() => !location.search.includes('known_at')")
    page.locator("#changes-title", has_text="Changes taking effect on 1 Jan 2026").wait_for()
    assert page.errors == []


def test_an_impossible_date_in_the_address_is_reported_not_replaced(server, page):  # noqa: F811
    page.goto(f"{server.url}/?at=2026-02-30")
    problem = page.locator("#date-problem")
    problem.wait_for()
    assert "February has 28 days in 2026" in (problem.text_content() or "")
    assert "at=2026-02-30" in page.url  # the address stays as it was
    assert page.locator("#chart svg").count() == 0
    shot(page, "bad-date")
    # choosing a date clears it
    page.locator("#date").fill("2026-01-01")
    page.locator("#date").press("Enter")
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    assert problem.is_hidden()
    assert page.errors == []


def test_a_responsibility_chosen_in_its_chart_shows_its_details(server, page):  # noqa: F811
    page.goto(f"{server.url}/?mode=graph&at=2026-01-01")
    wait_for_chart(page, "Responsibilities on 1 Jan 2026")
    node = page.locator("#chart g.node.clickable", has=page.locator("title", has_text="r_")).first
    node.click()
    panel = page.locator("#panel")
    panel.locator("p.kind", has_text="responsibility").wait_for()  # on a phone: the Details tab
    assert panel.is_visible() and "id=" in page.url
    assert page.errors == []


# --- item 4: provenance -------------------------------------------------------------------


def test_sources_link_to_their_documents_and_decisions_have_a_view(server, page):  # noqa: F811
    page.goto(f"{server.url}/?mode=diff&from=2025-12-31&to=2026-01-01")
    wait_for_chart(page, "Changes after 31 Dec 2025 up to 1 Jan 2026")
    on_phone_tap(page, "Changes")
    links = page.locator("#changes-list a.out")
    links.first.wait_for()
    hrefs = page.evaluate("() => [...document.querySelectorAll('a.out')].map(a => a.href)")
    assert hrefs and all(h.startswith("https://www.kk.dk/") for h in hrefs)
    assert page.locator("#changes-list a.out").first.get_attribute("rel") == "noopener noreferrer"
    # a decision opens its own view: what it decided, the changes that implement it
    page.locator("#changes-list .decision button", has_text="godkendelse").first.click()
    panel = page.locator("#panel")
    panel.locator("h2.name", has_text="godkendelse").wait_for()
    assert "id=br-godkendelse" in page.url
    panel.locator("h3", has_text="Changes that implement it").wait_for()
    assert panel.locator("ol.history li.change").count() >= 20
    panel.locator("h2.name").scroll_into_view_if_needed()
    shot(page, "decision")
    # a document opens its own view: where it is, everything that cites it
    panel.locator("ul.sources button.doc").first.click()
    panel.locator("p.kind", has_text="document").wait_for()
    panel.locator("h3", has_text="Cited by").wait_for()
    panel.locator("h2.name").scroll_into_view_if_needed()
    shot(page, "document")
    assert page.errors == []


def test_a_document_whose_location_is_script_is_never_a_link(server, desktop):  # noqa: F811
    load = {
        "format": "orgevents/1",
        "entries": [
            {"type": "DocumentRegistered", "key": "e2e.evil-doc", "document": "evil-doc",
             "title": "Evil", "location": "javascript:alert(1)"},
            {"type": "UnitRenamed", "key": "e2e.evil-rename", "unit": "bif", "name": "BIF",
             "effective": "2029-01-01",
             "sources": [{"document": "evil-doc", "locator": "p. 1"}]},
        ],
    }  # fmt: skip
    answer = httpx.post(f"{server.url}/api/entries", json=load, headers=AUTH)
    assert answer.status_code == 201, answer.text
    page = desktop
    page.goto(f"{server.url}/?at=2029-01-01&id=evil-doc")
    page.locator("#panel .where .location", has_text="javascript:alert(1)").wait_for()
    page.locator("#panel ol.history li.change").first.wait_for()
    assert page.evaluate("() => document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
    assert page.locator("#panel a.out").count() == 0
    assert page.dialogs == [] and page.errors == []


# --- item 5: the change list --------------------------------------------------------------


def test_the_change_list_is_grouped_filtered_searched_and_paged(server, page):  # noqa: F811
    page.goto(f"{server.url}/?mode=diff&from=2024-12-31&to=2026-12-31")
    wait_for_chart(page, "Changes after 31 Dec 2024 up to 31 Dec 2026")
    on_phone_tap(page, "Changes")
    count = page.locator("#changes-count")
    count.wait_for()
    page.wait_for_function(
        "() => /^1–50 of \\d+/.test(document.getElementById('changes-count').textContent)"
    )
    total = int((count.text_content() or "").split(" of ")[1].replace(",", ""))
    assert total > 100
    assert page.locator("#changes-list .day-head").count() >= 1
    assert page.locator("#changes-list li.change").count() == 50
    page.locator("#changes-next").click()
    page.wait_for_function(
        "() => document.getElementById('changes-count').textContent.startsWith('51–')"
    )
    # by type
    page.locator("#changes-type").select_option("UnitRenamed")
    page.wait_for_function(
        "() => document.getElementById('changes-count').textContent === '1–3 of 3'"
    )
    assert page.locator("#changes-list li.change").count() == 3
    page.locator("#changes-type").select_option("")
    # by decision, then searched
    page.locator("#changes-decision").select_option("lov-1750-vedtagelse")
    page.wait_for_function(
        "() => document.getElementById('changes-count').textContent.endsWith(' of 23')"
    )
    page.locator("#changes-q").fill("jobrotation")
    page.locator("#changes-q").press("Enter")
    page.wait_for_function(
        "() => document.getElementById('changes-count').textContent === '1–1 of 1'"
    )
    assert "Jobrotation" in (page.locator("#changes-list li.change").first.text_content() or "")
    page.locator("#changes-q").fill("")
    page.locator("#changes-q").press("Enter")
    page.locator("#changes-decision").select_option("")
    page.wait_for_function(
        "() => /^1–50 of /.test(document.getElementById('changes-count').textContent)"
    )
    page.locator("#changes").scroll_into_view_if_needed()
    shot(page, "change-list")
    assert page.errors == []


# --- a body of several hundred units over fifty years -------------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """About 4,000 synthetic events: one municipality of ~300 units, 1976–2025."""
    from orgevents.bulk import bulk_load
    from tests.test_scale_bulk import generator

    folder = tmp_path_factory.mktemp("big")
    history = folder / "history.jsonl"
    _, alive = generator().write(history, 1, 50, 300, 40, seed=3, start=1975)
    assert alive >= 250
    url = f"sqlite:///{folder / 'big.db'}"
    bulk_load(open_store(url), [history], "tests")
    running = Server(url, folder / "server.log")
    yield running
    running.stop()


def test_a_big_body_pages_its_fifty_years_of_changes_and_keeps_its_slider_readable(big, page):
    page.goto(f"{big.url}/?mode=diff&from=1975-12-31&to=2025-12-31")
    on_phone_tap(page, "Changes")
    count = page.locator("#changes-count")
    page.wait_for_function(
        "() => /^1–50 of [\\d,]+$/.test(document.getElementById('changes-count').textContent)",
        timeout=60_000,
    )
    total = int((count.text_content() or "").split(" of ")[1].replace(",", ""))
    assert total > 3000
    assert page.locator("#changes-list li.change").count() == 50
    heads = page.locator("#changes-list .day-head").count()
    assert 1 <= heads <= 50
    page.locator("#changes-type").select_option("UnitMerged")
    page.wait_for_function(
        "n => !document.getElementById('changes-count').textContent.endsWith(n)",
        arg=f" of {total:,}",
    )
    kinds = page.evaluate(
        "() => [...document.querySelectorAll('#changes-list li.change .type')].map(t => t.textContent)"
    )
    assert kinds and set(kinds) == {"UnitMerged"}
    page.locator("#changes").scroll_into_view_if_needed()
    shot(page, "big-change-list")
    # fifty years of change dates on the slider: a mark for each, labels that never overlap and
    # stay on the page (laid out when the slider is shown, not while the changes hid it)
    page.locator("#mode-chart").click()
    page.wait_for_function("() => document.querySelectorAll('#ticks .mark').length > 100")
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('#ticks .tick')].map(t => t.getBoundingClientRect())"
        ".map(b => [b.left, b.right])"
    )
    assert len(boxes) >= 2 and all(a[1] <= b[0] for a, b in pairwise(boxes))
    width = SIZES[page.size][0]
    assert all(left >= 0 and right <= width for left, right in boxes)
    last = page.evaluate("() => [...document.querySelectorAll('#ticks .mark')].pop().dataset.date")
    # the latest date is labelled
    assert page.locator("#ticks .tick").last.get_attribute("data-date") == last
    assert page.errors == []
