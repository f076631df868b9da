"""End to end: ``orgevents serve`` as a real process on loopback, the page driven in headless
Chromium (the Debian package, through Playwright), and two workers on one PostgreSQL store.

The Chromium tests fail — never skip — when /usr/bin/chromium is missing.
``UPDATE_SCREENSHOT=1`` also writes the README's screenshot, docs/screenshots/page.png.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from orgevents.importing import example_files, load_paths
from orgevents.store import open_store
from tests.conftest import BASE, entries

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "e2e:s3cret"
AUTH = {"Authorization": "Bearer s3cret"}
README_SHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "page.png"
MARKUP_NAME = "<img src=x onerror=alert(1)>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``orgevents serve`` in a process group of its own, stopped by its id."""

    def __init__(self, store_url: str, log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "ORGEVENTS_STORE"}
        env["ORGEVENTS_TOKEN"] = TOKEN
        self.log = log
        command = [sys.executable, "-m", "orgevents", "--store", store_url, "serve"]
        command += ["--port", str(self.port), "--workers", str(workers)]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"orgevents serve exited:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"orgevents serve did not answer in {timeout} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The Copenhagen dataset in SQLite, served on a free loopback port."""
    folder = tmp_path_factory.mktemp("serve")
    url = f"sqlite:///{folder / 'kk.db'}"
    load_paths(open_store(url), example_files("copenhagen"), "tests")
    running = Server(url, folder / "server.log")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver", False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A laptop-sized page that records dialogs and script errors."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    tab.dialogs = []
    tab.errors = []
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    context.close()


def chart_text(page: Any) -> str:
    return str(page.locator("#chart svg").text_content() or "")


def wait_for_chart(page: Any, title: str) -> None:
    page.wait_for_function(
        "t => document.getElementById('chart-title').textContent === t"
        " && document.querySelector('#chart svg') !== null"
        " && document.getElementById('status').textContent === ''",
        arg=title,
    )


# --- orgevents serve ----------------------------------------------------------------------


def serve_command(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "ORGEVENTS_STORE"} | env
    return subprocess.run(
        [sys.executable, "-m", "orgevents", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


def test_serve_refuses_a_store_it_cannot_open_in_one_line(tmp_path):
    done = serve_command("--store", f"sqlite:///{tmp_path / 'no' / 'x.db'}", "serve")
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: cannot open store") and "does not exist" in line


def test_serve_refuses_a_malformed_token_setting(tmp_path):
    done = serve_command(
        "--store", f"sqlite:///{tmp_path / 'x.db'}", "serve", ORGEVENTS_TOKEN="alice:"
    )
    assert done.returncode == 2
    assert "ORGEVENTS_TOKEN" in done.stderr and "empty secret" in done.stderr


def test_serve_binds_to_loopback_and_says_whether_it_takes_writes(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert "writes with a bearer token as e2e" in server.log.read_text()
    assert httpx.get(server.url + "/health").json()["read_only"] is False


# --- the page in Chromium ----------------------------------------------------------------


def test_moving_the_slider_across_1_january_2026_shows_the_change(server, page, tmp_path):
    # On 31 December 2025 the committee is still "Beskæftigelses- og Integrationsudvalget".
    page.goto(f"{server.url}/?at=2025-12-31")
    wait_for_chart(page, "Organisation on 31 Dec 2025")
    assert "Integrationsudvalget" in chart_text(page)
    assert "Erhvervsudvalget" not in chart_text(page)
    assert page.locator("#date").input_value() == "2025-12-31"
    # One step right on the slider is the next change date: 1 January 2026.
    page.locator("#slider").focus()
    page.keyboard.press("ArrowRight")
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    assert "Erhvervsudvalget" in chart_text(page)
    assert page.locator("#date").input_value() == "2026-01-01"
    assert "at=2026-01-01" in page.url
    changes = page.locator("#changes-list")
    changes.get_by_text(
        "renamed to Beskæftigelses-, Integrations- og Erhvervsudvalget"
    ).first.wait_for()
    assert page.locator("#changes-title").text_content() == "Changes taking effect on 1 Jan 2026"
    page.locator("#chart g.node", has=page.locator("title:text-is('biu')")).click()
    page.locator("#panel h2.name").wait_for()
    page.mouse.move(0, 0)  # no hover on the chart in the picture
    page.wait_for_timeout(300)
    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000
    if os.environ.get("UPDATE_SCREENSHOT"):
        README_SHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SHOT))
    assert page.errors == []


def test_clicking_a_unit_opens_its_details_responsibilities_figures_and_history(server, page):
    page.goto(f"{server.url}/?at=2026-01-01")
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    node = page.locator("#chart g.node", has=page.locator("title", has_text="ungecenteret"))
    node.first.click()
    panel = page.locator("#panel")
    panel.locator("h2.name").wait_for()
    assert panel.locator("h2.name").text_content() == "Ungecenteret"
    assert "id=ungecenteret" in page.url
    panel.get_by_text("Særligt Tilrettelagt Ungdomsuddannelse").first.wait_for()
    assert panel.locator("ul.figures .figure", has_text="162 staff (2025)").count() == 1
    panel.locator("ol.history li.change").first.wait_for()
    assert panel.locator("ol.history li.change").count() >= 2
    assert panel.locator("ol.history ul.sources li").count() >= 2
    assert "recorded" in (panel.locator("ol.history .recorded").first.text_content() or "")
    # The chain leads on: a click on the administration shows it.
    panel.get_by_role(
        "button", name="Beskæftigelses-, Integrations- og Erhvervsforvaltningen"
    ).first.click()
    page.wait_for_function(
        "() => document.querySelector('#panel h2.name')?.textContent.includes('forvaltningen')"
    )
    assert "id=bif" in page.url
    assert page.errors == []


def test_the_url_carries_the_state(server, page):
    page.goto(f"{server.url}/?at=2026-02-01&id=stu")
    wait_for_chart(page, "Organisation on 1 Feb 2026")
    page.locator("#panel h2.name").wait_for()
    assert page.locator("#panel h2.name").text_content() == "Særligt Tilrettelagt Ungdomsuddannelse"
    assert page.locator("#date").input_value() == "2026-02-01"
    page.locator("#mode-diff").click()
    wait_for_chart(page, "Changes after 31 Jan 2026 up to 1 Feb 2026")
    assert "mode=diff" in page.url and "from=2026-01-31" in page.url
    page.go_back()
    wait_for_chart(page, "Organisation on 1 Feb 2026")
    # A free date between change dates: the slider stands at the last change before it.
    page.locator("#date").fill("2026-03-15")
    wait_for_chart(page, "Organisation on 15 Mar 2026")
    assert page.locator("#slider").input_value() == str(
        page.evaluate("() => [...document.querySelectorAll('.tick')].length") - 2
    )
    assert page.locator("#changes-title").text_content() == (
        "Latest changes before this date: 1 Feb 2026"
    )
    # Planned and expected changes add their dates to the slider.
    ticks = page.locator(".tick").count()
    page.locator("#planned").check()
    page.wait_for_function("n => document.querySelectorAll('.tick').length > n", arg=ticks)
    assert "planned=1" in page.url
    assert page.get_by_role("button", name="1 Jan 2030").count() == 1


def test_search_finds_a_former_name_and_opens_it(server, page):
    page.goto(f"{server.url}/?at=2026-01-01")
    page.locator("#q").fill("Integrationsudvalget")
    page.locator("#q").press("Enter")
    result = page.locator("#panel button.result").first
    result.wait_for()
    assert "Beskæftigelses-, Integrations- og Erhvervsudvalget" in (result.text_content() or "")
    assert page.locator("#panel .matched").first.text_content() == (
        "former name: Beskæftigelses- og Integrationsudvalget"
    )
    assert "q=Integrationsudvalget" in page.url
    result.click()
    page.locator("#panel h2.name").wait_for()
    assert "id=biu" in page.url


def test_diff_mode_shows_the_change_diagram_and_the_changes_with_sources(server, page):
    page.goto(f"{server.url}/?mode=diff&from=2025-12-31&to=2026-01-01")
    wait_for_chart(page, "Changes after 31 Dec 2025 up to 1 Jan 2026")
    assert "RENAMED" in chart_text(page)
    page.locator("#changes-list li.change").first.wait_for()
    assert page.locator("#changes-list li.change ul.sources li").count() > 5
    page.locator("#mode-graph").click()
    wait_for_chart(page, "Responsibilities on 1 Jan 2026")


def test_no_inline_script_runs_under_the_content_security_policy(server, page):
    page.goto(f"{server.url}/")
    with pytest.raises(Exception):  # noqa: B017 - Playwright reports the blocked script
        page.add_script_tag(content="window.__ran = true")
    assert page.evaluate("() => window.__ran === undefined")


def test_a_unit_named_like_markup_shows_as_text_and_runs_nothing(server, page):
    load = {
        "format": "orgevents/1",
        "entries": [
            {
                "type": "UnitEstablished",
                "key": "e2e.markup",
                "unit": "markup",
                "name": MARKUP_NAME,
                "kind": "team",
                "parent": "bif",
                "effective": "2025-01-01",
                "sources": [
                    {
                        "document": "notat",
                        "locator": "<script>alert(2)</script>",
                        "quote": "<b onmouseover=alert(3)>q</b>",
                    }
                ],
            }
        ],
    }
    answer = httpx.post(f"{server.url}/api/entries", json=load, headers=AUTH)
    assert answer.status_code == 201, answer.text
    page.goto(f"{server.url}/?at=2026-01-01&q=%3Cimg")
    result = page.locator("#panel button.result").first
    result.wait_for()
    assert MARKUP_NAME in (result.text_content() or "")
    result.click()
    page.locator("#panel h2.name").wait_for()
    assert page.locator("#panel h2.name").text_content() == MARKUP_NAME
    page.get_by_text("<script>alert(2)</script>", exact=False).first.wait_for()
    wait_for_chart(page, "Organisation on 1 Jan 2026")
    assert "<img src=x" in chart_text(page) and "onerror=alert(1)>" in chart_text(page)
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.querySelectorAll('img, script:not([src]), b').length") == 0
    assert page.dialogs == []
    assert page.errors == []


# --- several workers on PostgreSQL -------------------------------------------------------


def ask(url: str, path: str) -> tuple[int, Any]:
    """One new connection: which worker answers, and its answer to ``path``."""
    with httpx.Client(base_url=url, timeout=10) as client:
        worker = client.get("/health").json()["worker"]
        return worker, client.get(path).json()


def name_of_a(url: str) -> dict[int, str]:
    """The name of unit ``a`` as each of the workers answers it (asking until both answered)."""
    seen: dict[int, str] = {}
    for _ in range(200):
        worker, units = ask(url, "/api/units?at=2030-01-01")
        seen[worker] = next(u["name"] for u in units if u["id"] == "a")
        if len(seen) >= 2:
            return seen
    pytest.fail(f"only workers {sorted(seen)} answered 200 new connections")


def rename(name: str, day: int) -> dict[str, Any]:
    return {
        "format": "orgevents/1",
        "entries": [
            {
                "type": "UnitRenamed",
                "key": f"rename-{day}",
                "unit": "a",
                "name": name,
                "effective": f"2022-01-{day:02d}",
                "sources": [{"document": "doc", "locator": "s. 1"}],
            }
        ],
    }


@pytest.mark.postgres
def test_two_workers_on_postgresql_see_each_others_writes(postgres_url, tmp_path):
    open_store(postgres_url).record(entries(BASE), "tests")
    running = Server(postgres_url, tmp_path / "server.log", workers=2)
    try:
        # Both workers answer, and both have read the history.
        assert set(name_of_a(running.url).values()) == {"Committee A"}
        # A write through one worker is seen by the other at once.
        posted = httpx.post(f"{running.url}/api/entries", json=rename("Udvalg Æ", 1), headers=AUTH)
        assert posted.status_code == 201
        assert set(name_of_a(running.url).values()) == {"Udvalg Æ"}
        # Writers on both workers at once: each write lands exactly once (409s are retried).
        statuses: list[int] = []

        def write(day: int) -> None:
            for _ in range(20):
                answer = httpx.post(
                    f"{running.url}/api/entries", json=rename(f"Udvalg {day}", day), headers=AUTH
                )
                statuses.append(answer.status_code)
                if answer.status_code != 409:
                    return

        threads = [threading.Thread(target=write, args=(day,)) for day in range(2, 12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert set(statuses) <= {201, 409}, statuses
        assert statuses.count(201) == 10
        history = httpx.get(f"{running.url}/api/history/a").json()
        keys = [h["event_id"] for h in history if h["type"] == "UnitRenamed"]
        assert sorted(keys) == sorted(f"rename-{d}" for d in range(1, 12))
        assert set(name_of_a(running.url).values()) == {"Udvalg 11"}
    finally:
        running.stop()
