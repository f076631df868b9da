"""The page on a big organisation, on a phone and by keyboard, in headless Chromium.

A generated body of ~500 units (bench/generate.py: two municipalities of 250) is served once for
the module; every test runs at desktop (1440×900) and phone (390×844) size. The accessibility
check injects the vendored axe-core (tests/vendor/axe-core) — nothing is downloaded.
``UPDATE_SCREENSHOT=1`` also writes the screenshots in docs/screenshots/nav-*.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_http_e2e import Server, browser  # noqa: F401  (the browser fixture)

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots"
AT = "2025-12-31"
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
CHART_READY = (
    "() => document.querySelector('#chart svg') !== null"
    " && document.getElementById('status').textContent === ''"
)


def run(*command: str, cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ORGEVENTS_STORE"}
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """~500 units in force (two generated municipalities), in SQLite, served on loopback."""
    folder = tmp_path_factory.mktemp("big")
    history = folder / "history.jsonl"
    run(sys.executable, str(ROOT / "bench" / "generate.py"), "--municipalities", "2",
        "--units", "250", "--changes", "20", "--years", "2", "-o", str(history), cwd=folder)  # fmt: skip
    url = f"sqlite:///{folder / 'big.db'}"
    run(sys.executable, "-m", "orgevents", "--store", url, "bulk-load", str(history), cwd=folder)
    running = Server(url, folder / "server.log")
    yield running
    running.stop()


@pytest.fixture(params=list(SIZES))
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:  # noqa: F811
    """A desktop- or phone-sized page that records script errors (and fails on them)."""
    phone = request.param == "phone"
    context = browser.new_context(
        viewport=SIZES[request.param], has_touch=phone, is_mobile=phone, bypass_csp=True
    )
    tab = context.new_page()
    tab.size = request.param
    tab.errors = []
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    assert tab.errors == []
    context.close()


def shoot(page: Any, name: str, tmp_path: Path) -> None:
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)  # smooth scrolling settles
    folder = SHOTS if os.environ.get("UPDATE_SCREENSHOT") else tmp_path
    page.screenshot(path=str(folder / f"nav-{page.size}-{name}.png"))


def open_page(page: Any, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/?at={AT}{query}")
    page.wait_for_function(CHART_READY)


def redrawn(page: Any, before: str) -> None:
    """Wait for a chart other than ``before`` (the URL's part of the chart changed)."""
    page.wait_for_function(
        "b => document.querySelector('#chart svg') !== null && location.search !== b"
        " && document.getElementById('status').textContent === ''",
        arg=before,
    )
    page.wait_for_timeout(200)


def boxes(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const nodes = Array.from(document.querySelectorAll('#chart g.node.clickable'));
          return { count: nodes.length,
                   collapsed: nodes.filter(n => n.classList.contains('collapsed'))
                     .map(n => n.querySelector('title').textContent) };
        }"""
    )


def in_view(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """s => {
              const box = document.querySelector(s).getBoundingClientRect();
              const view = document.getElementById('chart').getBoundingClientRect();
              return box.width > 0 && box.left >= view.left - 1 && box.right <= view.right + 1
                && box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
            }""",
            selector,
        )
    )


def unique_deep_unit(server: Server) -> dict[str, Any]:
    """A centre (three levels down, collapsed at first) whose name finds only itself."""
    units = httpx.get(f"{server.url}/api/units", params={"at": AT}).json()
    for unit in units:
        if unit["kind"] != "centre":
            continue
        found = httpx.get(f"{server.url}/api/find", params={"q": unit["name"], "at": AT}).json()
        if len(found) == 1:
            return dict(unit)
    raise AssertionError("no centre with a name of its own")


# --- item 1: navigating a big chart --------------------------------------------------------


def test_a_big_body_starts_collapsed_to_a_readable_depth_with_readable_text(big, page, tmp_path):
    open_page(page, big)
    drawn = boxes(page)
    assert 0 < drawn["count"] <= 60 and drawn["collapsed"]
    smallest = page.evaluate(
        """() => {
          const svg = document.querySelector('#chart svg');
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          const words = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim());
          return Math.min(...words.map(t => parseFloat(t.getAttribute('font-size')) * scale));
        }"""
    )
    assert smallest >= 10  # px at the default zoom
    shoot(page, "big-start", tmp_path)


def test_a_unit_chosen_by_search_is_opened_up_to_highlighted_and_in_view(big, page, tmp_path):
    unit = unique_deep_unit(big)
    open_page(page, big)
    assert unit["id"] not in page.locator("#chart g.node title").all_text_contents()
    page.locator("#q").fill(unit["name"])
    page.locator("#q").press("Enter")
    before = page.evaluate("() => location.search")
    page.locator("#panel button.result").first.click()
    page.locator("#panel h2.name").wait_for()
    if page.size == "phone":  # the details come first; the chart tab shows the unit
        assert page.locator("#chart").is_hidden()
        shoot(page, "details", tmp_path)
        page.get_by_role("button", name="Chart", exact=True).click()
    redrawn(page, before)
    page.wait_for_selector("#chart g.node.selected")
    assert f"id={unit['id']}" in page.url and "expand=" in page.url
    assert page.locator("#chart g.node.selected title").text_content() == unit["id"]
    assert page.locator("#chart").bounding_box()["height"] > 300
    page.wait_for_timeout(600)
    assert in_view(page, "#chart g.node.selected")
    shoot(page, "found", tmp_path)


def test_a_unit_named_in_the_url_is_opened_up_to_and_in_view(big, page):
    unit = unique_deep_unit(big)
    page.goto(f"{big.url}/?at={AT}&id={unit['id']}")
    page.wait_for_selector("#chart g.node.selected")
    page.wait_for_function(CHART_READY)
    page.wait_for_timeout(300)
    assert in_view(page, "#chart g.node.selected")


def listed_unit(server: Server) -> tuple[str, str]:
    """An office listed by name inside its centre's box (no box of its own), and the centre."""
    for unit in httpx.get(f"{server.url}/api/units", params={"at": AT}).json():
        if unit["kind"] != "centre":
            continue
        children = httpx.get(f"{server.url}/api/show/{unit['id']}", params={"at": AT}).json()
        if len(children["children"]) < 4:
            continue
        params = {"at": AT, "root": unit["id"], "depth": 1}
        dot = httpx.get(f"{server.url}/api/charts/org.dot", params=params).text
        child = children["children"][0]
        if f'"{child}" [' not in dot and f"\t{child} [" not in dot:
            return child, unit["id"]
    raise AssertionError("no centre lists its offices")


def test_a_unit_listed_inside_its_parents_box_highlights_that_box(big, page):
    child, centre = listed_unit(big)
    page.goto(f"{big.url}/?at={AT}&id={child}")
    page.wait_for_selector("#chart g.node.holds-selected")
    page.wait_for_function(CHART_READY)
    page.wait_for_timeout(300)
    assert page.locator("#chart g.node.holds-selected title").text_content() == centre
    assert in_view(page, "#chart g.node.holds-selected")


def test_a_plus_n_below_box_opens_in_place_when_chosen(big, page):
    open_page(page, big)
    first = boxes(page)
    box = first["collapsed"][0]
    before = page.evaluate("() => location.search")
    page.locator("#chart g.node.collapsed", has=page.locator(f"title:text-is('{box}')")).click()
    redrawn(page, before)
    after = boxes(page)
    assert f"expand={box}" in page.url
    assert box not in after["collapsed"] and after["count"] > first["count"]
    assert page.locator("#chart g.node", has=page.locator(f"title:text-is('{box}')")).count() == 1


def test_focus_here_levels_up_and_whole_organisation(big, page, tmp_path):
    unit = unique_deep_unit(big)
    parent = httpx.get(f"{big.url}/api/show/{unit['id']}", params={"at": AT}).json()["parent"]
    open_page(page, big, f"&id={parent}")
    page.wait_for_selector("#chart g.node.selected")
    before = page.evaluate("() => location.search")
    if page.size == "phone":
        page.get_by_role("button", name="Chart", exact=True).click()
    page.get_by_role("button", name="Focus here").click()
    redrawn(page, before)
    assert f"root={parent}" in page.url
    assert f"({parent})" in page.locator("#chart svg").text_content()
    titles = page.locator("#chart g.node title").all_text_contents()
    assert parent in titles and all(t.startswith(("m00", "_")) for t in titles)
    before = page.evaluate("() => location.search")
    page.select_option("#nav-depth", "all")
    redrawn(page, before)
    assert "depth=all" in page.url and boxes(page)["collapsed"] == []
    shoot(page, "focus", tmp_path)
    before = page.evaluate("() => location.search")
    page.get_by_role("button", name="Up one level").click()
    redrawn(page, before)
    grandparent = httpx.get(f"{big.url}/api/show/{parent}", params={"at": AT}).json()["parent"]
    assert f"root={grandparent}" in page.url
    before = page.evaluate("() => location.search")
    page.get_by_role("button", name="Whole organisation").click()
    redrawn(page, before)
    assert "root=" not in page.url


def test_ctrl_wheel_zooms_around_the_pointer(big, page):
    open_page(page, big)
    x, y = page.evaluate(
        """() => {
          const some = document.querySelectorAll('#chart g.node.clickable')[2];
          some.scrollIntoView({ block: 'center', inline: 'center' });
          const view = document.getElementById('chart').getBoundingClientRect();
          for (const node of document.querySelectorAll('#chart g.node.clickable')) {
            const b = node.getBoundingClientRect();
            const [x, y] = [b.left + b.width / 2, b.top + b.height / 2];
            if (x > view.left + 50 && x < view.right - 50 && y > view.top + 50 && y < view.bottom - 50)
              return [x, y];
          }
        }"""
    )
    width = page.locator("#chart svg").bounding_box()["width"]
    under = "([x, y]) => document.elementFromPoint(x, y).closest('g.node').querySelector('title')"
    key = page.evaluate(f"p => ({under})(p).textContent", [x, y])
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    page.wait_for_function(
        "w => document.querySelector('#chart svg').getBoundingClientRect().width > w * 1.3",
        arg=width,
    )
    assert page.evaluate(f"p => ({under})(p).textContent", [x, y]) == key


def test_two_fingers_pinch_the_chart_larger_on_a_phone(big, browser, tmp_path):  # noqa: F811
    context = browser.new_context(viewport=SIZES["phone"], has_touch=True, is_mobile=True)
    tab = context.new_page()
    tab.goto(f"{big.url}/?at={AT}")
    tab.wait_for_function(CHART_READY)
    width = tab.locator("#chart svg").bounding_box()["width"]
    chart = tab.locator("#chart").bounding_box()
    session = context.new_cdp_session(tab)
    session.send(
        "Input.synthesizePinchGesture",
        {
            "x": chart["x"] + chart["width"] / 2,
            "y": chart["y"] + chart["height"] / 2,
            "scaleFactor": 2,
            "gestureSourceType": "touch",
        },
    )
    tab.wait_for_function(
        "w => document.querySelector('#chart svg').getBoundingClientRect().width > w * 1.3",
        arg=width,
    )
    context.close()


# --- item 2: the phone ---------------------------------------------------------------------


def test_the_phone_keeps_the_chart_a_slider_that_fits_and_labels_that_do_not_overlap(
    big, page, tmp_path
):
    open_page(page, big)
    layout = page.evaluate(
        """() => {
          const slider = document.getElementById('slider').getBoundingClientRect();
          const labels = Array.from(document.querySelectorAll('#ticks .tick'))
            .filter(t => getComputedStyle(t).visibility !== 'hidden')
            .map(t => t.getBoundingClientRect());
          const overlaps = labels.some((a, i) => labels.some((b, j) =>
            i < j && a.left < b.right && b.left < a.right));
          return { width: innerWidth, page: document.documentElement.scrollWidth,
                   slider: [slider.left, slider.right], labels: labels.length,
                   outside: labels.filter(b => b.left < 0 || b.right > innerWidth).length,
                   overlaps, dates: document.querySelectorAll('#ticks .mark').length };
        }"""
    )
    assert layout["page"] <= layout["width"]
    assert layout["slider"][0] >= 0 and layout["slider"][1] <= layout["width"]
    assert layout["labels"] >= 2 and layout["outside"] == 0 and not layout["overlaps"]
    if page.size == "phone":
        assert layout["labels"] < layout["dates"]  # labels only where they fit
    assert page.locator("#chart").bounding_box()["height"] > 300
    shoot(page, "start", tmp_path)
    page.get_by_role("button", name="Changes between dates").click()
    page.wait_for_function(CHART_READY)
    second = page.locator("#to").bounding_box()
    assert second["x"] >= 0 and second["x"] + second["width"] <= layout["width"]
    if page.size == "phone":
        page.get_by_role("button", name="Changes", exact=True).click()
        page.locator("#changes-list li").first.wait_for()
        assert page.locator("#chart").is_hidden() and page.locator("#changes").is_visible()
        shoot(page, "changes", tmp_path)


# --- item 6: keyboard and screen readers ---------------------------------------------------


def test_units_are_reached_and_chosen_by_keyboard_from_a_skip_link(big, page):
    open_page(page, big)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the chart"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the chart's units: one stop
    focused = "() => document.activeElement.closest('g.node') ? document.activeElement.querySelector('title').textContent : ''"
    first = page.evaluate(focused)
    assert first
    page.keyboard.press("ArrowRight")
    second = page.evaluate(focused)
    assert second and second != first
    for _ in range(10):  # on to a unit that is not a "+N below" box (that one would open)
        if not page.evaluate("() => document.activeElement.classList.contains('collapsed')"):
            break
        page.keyboard.press("ArrowRight")
        second = page.evaluate(focused)
    name = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    page.locator("#panel h2.name").wait_for()
    assert f"id={second}" in page.url
    assert page.locator("#panel h2.name").text_content() in name
    if page.size == "phone":  # the details tab, read from its top
        assert page.evaluate("() => document.activeElement.id") == "panel"
    else:
        page.keyboard.press("Shift+Tab")  # out of the chart in one press, not one per unit
        assert page.evaluate("() => document.activeElement.id") == "chart"
    assert "#" not in page.url


def test_every_control_has_a_name_and_axe_finds_no_violations(big, page):
    source = AXE.read_text(encoding="utf-8")
    unit = unique_deep_unit(big)
    views = [
        ("/?at=2025-12-31", None),
        (f"/?at=2025-12-31&id={unit['id']}", "details"),
        (f"/?at=2025-12-31&q={unit['name']}", "details"),
        ("/?mode=diff&from=2024-12-31&to=2025-12-31", "changes"),
        ("/?mode=graph&at=2025-12-31", None),
    ]
    for path, tab in views:
        page.goto(big.url + path)
        page.wait_for_function(CHART_READY)
        page.wait_for_timeout(300)
        if tab and page.size == "phone":
            page.get_by_role("button", name=tab.capitalize(), exact=True).click()
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=source)
        found = page.evaluate(
            "() => axe.run(document, { resultTypes: ['violations'] }).then(r => [r.passes.length,"
            " r.violations.map(v => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target)}`)])"
        )
        assert found[0] > 20 and found[1] == [], (path, found)  # rules ran; none broken
