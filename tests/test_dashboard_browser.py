"""The dashboard in a real browser (Debian's Chromium driven by Playwright) against a served app with
authentication on, fed by the simulated line through the real ingestion paths.

One module-scoped run: the app on a free port (SQLite in a temp folder), a key with every scope, the
simulator for a bounded number of panels in a thread. Each test opens one page, checks what it shows
and saves a screenshot under tests/output/ (git-ignored).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.cfx.settings import CfxSettings
from devices.simulated_line.plant import STATIONS
from devices.simulated_line.run import Options, Stats, run
from gateway.app import create_app
from gateway.security.settings import SecuritySettings
from gateway.settings import Settings
from tests.security_support import make_key
from tests.served import serve
from traceability import schema
from traceability.database import Store, make_engine

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).parent / "output"
PREFIX = "DASH"
PANELS = 16  # the chart's baseline is 12 panels; the oven drifts after it, so rules fire before the end
WAIT_MS = 20_000  # the longest any page may take to show what is asserted (a bound, not a measurement)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)",
)


class Line:
    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key
        self.stats: Stats | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Line]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'store.db'}"
    settings = Settings(
        database_url=url, security=SecuritySettings(auth_required=True), cfx=CfxSettings(operations=STATIONS)
    )
    store = Store(make_engine(url))
    schema.upgrade(store.engine)
    key, _ = make_key(url, ["admin"], name="dashboard-test")
    with serve(create_app(settings)) as base:
        sim = Line(base, key)

        def drive() -> None:
            try:
                sim.stats = run(
                    Options(
                        base_url=base,
                        api_key=key,
                        prefix=PREFIX,
                        seed=7,
                        speed=8,
                        panels=PANELS,
                        drift_after=0,
                    ),
                    store,
                )
            except Exception as exc:  # noqa: BLE001 - reported by the tests that need the line
                sim.error = exc
            finally:
                sim.done.set()

        thread = threading.Thread(target=drive, daemon=True)
        thread.start()
        yield sim
        sim.done.wait(120)
        thread.join(timeout=5)
    store.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, line: Line):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{line.base}/dashboard#key={line.key}")
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def finished(line: Line) -> Stats:
    assert line.done.wait(120), "the simulated line did not finish within its bound"
    assert line.error is None, f"the simulated line stopped: {line.error!r}"
    assert line.stats is not None
    return line.stats


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def test_overview_numbers_move_with_the_line(page, line: Line) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#kpi-completed", timeout=WAIT_MS)
    first = int(page.inner_text("#kpi-completed"))
    # Live: the subscription delivers events and the figures are re-read without a reload.
    page.wait_for_function(
        "() => Number(document.querySelector('#kpi-events')?.textContent) > 0", timeout=WAIT_MS
    )
    page.wait_for_function(
        f"() => Number(document.querySelector('#kpi-completed')?.textContent) > {first}", timeout=WAIT_MS
    )
    assert page.inner_text("#live") == "live"
    page.wait_for_selector("#fpy table", timeout=WAIT_MS)
    fpy = page.inner_text("#fpy")
    for operation in ("SMT", "REFLOW", "AOI"):
        assert operation in fpy
    assert "SIM.SMT1" in page.inner_text("#throughput")
    shot(page, "overview")


def test_trace_explorer_shows_a_module_as_built(page, line: Line) -> None:  # type: ignore[no-untyped-def]
    finished(line)
    serial = f"{PREFIX}-M00001"
    page.goto(f"{line.base}/dashboard#trace/{serial}")
    tree = page.wait_for_selector("#backward-tree", timeout=WAIT_MS)
    text = tree.inner_text()
    # The module holds board 1 of panel 1 at J1, which got C1, R1, U1 from the first reels at SMT.
    assert f"{PREFIX}-B0001-1" in text and "J1" in text
    board = page.inner_text(f"li.unit[data-serial='{PREFIX}-B0001-1']")
    for reel in (f"{PREFIX}-CAP-R01", f"{PREFIX}-RES-R01", f"{PREFIX}-IC-R01"):
        assert reel in board
    # Operations with their parameters and results.
    node = f"li.unit[data-serial='{PREFIX}-B0001-1']"
    page.click(f"{node} > details > details.ops > summary")
    ops = page.inner_text(f"{node} > details > details.ops")
    assert "SMT" in ops and "AOI" in ops and "ICT" in ops and "kOhm" in ops
    page.click(f"{node} details.panel-ops > summary")
    page.click(f"{node} details.panel-ops details.ops > summary")
    panel = page.inner_text(f"{node} details.panel-ops")
    assert f"{PREFIX}-P0001" in panel and "REFLOW" in panel and "zone4_peak_c" in panel
    shot(page, "trace")
    # A lot: forward to units, boxes, pallets, shipments; containment is one click away.
    page.click(f"a.lot:text-is('{PREFIX}-CAP-R01')")
    forward = page.wait_for_selector("#forward-tree", timeout=WAIT_MS).inner_text()
    assert f"{PREFIX}-B0001-1" in forward and f"{PREFIX}-BOX0001" in forward and f"{PREFIX}-SHP001" in forward
    page.once("dialog", lambda d: d.accept("suspect capacitor reel"))
    page.click("#contain-lot")
    assert "unit(s) held" in page.wait_for_selector("#containment p.warn", timeout=WAIT_MS).inner_text()
    shot(page, "trace-forward")


def test_spc_chart_marks_the_drift(page, line: Line) -> None:  # type: ignore[no-untyped-def]
    finished(line)
    page.goto(f"{line.base}/dashboard#spc/{PREFIX}-OVEN-Z4")
    page.wait_for_selector("#chart svg", timeout=WAIT_MS)
    assert page.locator("#chart circle.violation").count() > 0
    assert (
        page.locator("#chart line.limit-UCL").count() == 1
        and page.locator("#chart line.limit-USL").count() == 1
    )
    assert page.inner_text("#cpk") not in ("", "\u2013")  # an en dash: no value
    assert int(page.inner_text("#violations")) > 0
    shot(page, "spc")
    before = page.locator("#alarm-list button.ack").count()
    assert before > 0
    page.locator("#alarm-list button.ack").first.click()
    page.wait_for_function(
        f"() => document.querySelectorAll('#alarm-list button.ack').length < {before}", timeout=WAIT_MS
    )
    assert "acknowledged by dashboard" in page.inner_text("#alarm-list")


def test_work_orders_show_progress_and_yield(page, line: Line) -> None:  # type: ignore[no-untyped-def]
    finished(line)
    page.goto(f"{line.base}/dashboard#orders")
    order = page.wait_for_selector(f"section.order[data-order='{PREFIX}-WO-BRD']", timeout=WAIT_MS)
    text = order.inner_text()
    assert "SMT" in text and "ICT" in text and "FPY" in text and "final yield" in text
    assert page.inner_text(f"section.order[data-order='{PREFIX}-WO-BRD'] .wo-units").endswith(
        f"/ {PANELS * 4}"
    )
    shot(page, "work-orders")


def test_a_wrong_key_is_shown_not_swallowed(browser, line: Line) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{line.base}/dashboard#key=tbk_not_a_key")
    assert "401" in page.wait_for_selector(".error", timeout=WAIT_MS).inner_text()
    context.close()
