"""End to end in Chromium: two dates side by side (issue 12, item 3) — "compare with" draws the
organisation on a second date beside the chart of the chosen date, the second date in the
address, at desktop (1440×900, side by side) and phone (390×844, stacked in the Chart tab).

``UPDATE_SCREENSHOT=1`` keeps docs/screenshots/compare-desktop.png and compare-phone.png.
"""

from __future__ import annotations

import os
from typing import Any

from tests.test_http_e2e import wait_for_chart
from tests.test_http_e2e_data import SHOTS, SIZES, browser, page, server  # noqa: F401


def unit_text(page: Any, chart: str, unit: str) -> str:  # noqa: F811
    """The words drawn in `unit`'s box in the chart `chart` (#chart or #compare-chart)."""
    return str(
        page.evaluate(
            "([chart, unit]) => [...document.querySelectorAll(chart + ' g.node')]"
            ".filter(g => (g.querySelector(':scope > title') || {}).textContent === unit)"
            ".map(g => [...g.querySelectorAll('text')].map(t => t.textContent).join(' '))"
            ".join(' ')",
            [chart, unit],
        )
    )


def wait_for_compare(page: Any, caption: str) -> None:  # noqa: F811
    page.wait_for_function(
        "c => document.getElementById('compare-caption').textContent === c"
        " && document.querySelector('#compare-chart svg') !== null",
        arg=caption,
    )


def test_two_dates_side_by_side(server, page):  # noqa: F811
    page.goto(f"{server.url}/?at=2025-12-31&compare=2026-01-01")
    wait_for_chart(page, "Organisation on 31 Dec 2025")
    wait_for_compare(page, "1 Jan 2026")
    assert page.locator("#chart-caption").text_content() == "31 Dec 2025"
    assert page.locator("#compare-on").is_checked()
    assert page.locator("#compare-date").input_value() == "2026-01-01"
    assert (
        page.locator("#compare-chart svg").get_attribute("aria-label")
        == "Organisation on 1 Jan 2026"
    )
    # BIU was renamed on 1 January 2026: the old name on the left, the new on the right
    before, after = unit_text(page, "#chart", "biu"), unit_text(page, "#compare-chart", "biu")
    assert "Integrationsudvalget" in before and "Erhverv" not in before
    assert "Erhvervsudvalget" in after
    # side by side on a desktop; one above the other in the phone's Chart tab
    main = page.locator("#chart").bounding_box()
    other = page.locator("#compare-chart").bounding_box()
    assert main and other and main["width"] > 100 and other["width"] > 100
    if page.size == "desktop":
        assert other["x"] >= main["x"] + main["width"] - 1
        assert abs(other["y"] - main["y"]) < 2
    else:
        assert other["y"] >= main["y"] + main["height"] - 1
        assert other["y"] + other["height"] <= 844
        assert main["height"] > 80 and other["height"] > 80
    page.mouse.move(0, 0)
    page.wait_for_timeout(200)
    picture = page.screenshot()
    assert len(picture) > 10_000
    if os.environ.get("UPDATE_SCREENSHOT"):
        (SHOTS / f"compare-{page.size}.png").write_bytes(picture)
    # it survives a reload and a visit to another view
    page.reload()
    wait_for_compare(page, "1 Jan 2026")
    page.locator("#mode-diff").click()
    wait_for_chart(page, "Changes after 31 Dec 2025 up to 1 Jan 2026")
    assert page.locator("#compare-col").is_hidden() and "compare=2026-01-01" in page.url
    page.locator("#mode-chart").click()
    wait_for_chart(page, "Organisation on 31 Dec 2025")
    wait_for_compare(page, "1 Jan 2026")
    # off, then on again: the change date before the chosen one
    page.locator("#compare-on").uncheck()
    page.wait_for_function("() => !location.search.includes('compare=')")
    assert page.locator("#compare-col").is_hidden() and page.locator("#chart-caption").is_hidden()
    page.locator("#compare-on").check()
    page.wait_for_function("() => location.search.includes('compare=')")
    chosen = page.locator("#compare-date").input_value()
    assert chosen < "2025-12-31"
    wait_for_compare(page, long(chosen))
    # a typed second date applies on Enter
    page.locator("#compare-date").fill("2026-01-01")
    page.locator("#compare-date").press("Enter")
    wait_for_compare(page, "1 Jan 2026")
    assert "compare=2026-01-01" in page.url
    assert page.errors == []


def long(text: str) -> str:
    import datetime as dt

    d = dt.date.fromisoformat(text)
    return f"{d.day} {d:%b} {d.year}"


def test_an_impossible_compare_date_is_reported_not_replaced(server, page):  # noqa: F811
    page.goto(f"{server.url}/?at=2026-01-01&compare=2026-02-30")
    problem = page.locator("#date-problem")
    problem.wait_for()
    text = problem.text_content() or ""
    assert "compare=2026-02-30: February has 28 days in 2026" in text
    assert "compare=2026-02-30" in page.url
    assert (
        page.locator("#chart svg").count() == 0 and page.locator("#compare-chart svg").count() == 0
    )
    # choosing a second date clears it
    page.locator("#compare-date").fill("2025-12-31")
    page.locator("#compare-date").press("Enter")
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    wait_for_compare(page, "31 Dec 2025")
    assert problem.is_hidden()
    assert page.errors == []


def test_axe_finds_no_violations_with_two_dates(server, browser):  # noqa: F811
    from tests.test_http_navigation import AXE

    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()  # noqa: F811
        page.goto(f"{server.url}/?at=2025-12-31&compare=2026-01-01")
        wait_for_chart(page, "Organisation on 31 Dec 2025")
        wait_for_compare(page, "1 Jan 2026")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        found = page.evaluate(
            "() => axe.run(document, { resultTypes: ['violations'] }).then(r => [r.passes.length,"
            " r.violations.map(v => `${v.id}: ${v.help} — ${v.nodes.map(n => n.target)}`)])"
        )
        context.close()
        assert found[0] > 20 and found[1] == [], (size, found)  # rules ran; none broken
