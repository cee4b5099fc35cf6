"""The dashboard in a real headless Chromium: live updates from the engine, controls
that steer the emulator from the page, decoded images, refusals in the journal, the
token login. Screenshots of every view are written as artefacts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import fashn
import pytest

from fashn_mock import BackgroundServer, Emulator
from fashn_mock.engine.inspection import Filter, prediction_page
from fashn_mock.validation import parse_run_body
from tests.support import data_uri

KEY = "fa-dashboard-test"
WAIT = 20.0
"""Wall seconds any condition may take before the test fails (never asserted on)."""


@contextmanager
def serving(emulator: Emulator, browser: Any) -> Iterator[str]:
    """Serve on a loopback port; the page leaves first, so no live stream is open
    when the server stops."""
    with BackgroundServer(emulator.app) as server:
        try:
            yield server.url
        finally:
            browser.get("about:blank")


@pytest.fixture
def emulator(browser: Any) -> Iterator[tuple[Emulator, str]]:
    """One key, one concurrency slot, a manual clock, served on a loopback port."""
    emulator = Emulator(manual_clock=True, time_scale=1, concurrency=1, seed=7)
    with serving(emulator, browser) as url:
        yield emulator, url


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    """Poll ``condition`` until it is truthy (bounded in wall time)."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            value = condition()
        except Exception:  # the element is being replaced by a live refresh
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def read(driver: Any, selector: str, attribute: str | None = None) -> str | None:
    """Text (or an attribute) of an element, read in one step: live refreshes replace
    elements, so a found element may be gone by the time it is read."""
    value = driver.execute_script(
        "const e = document.querySelector(arguments[0]);"
        "return e === null ? null : arguments[1] ? e.getAttribute(arguments[1]) : e.innerText;",
        selector, attribute)
    return None if value is None else str(value)


def console_errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def live(driver: Any) -> None:
    wait_for(lambda: driver.find_element("id", "live-status").text == "live",
             "the live stream to connect")


def shoot(driver: Any, folder: Path, name: str) -> Path:
    """A screenshot of the whole page (the window grown to its height, within reason)."""
    path = folder / f"{name}.png"
    size = driver.get_window_size()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size["width"], max(size["height"], min(int(height), 4000)))
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(size["width"], size["height"])
    assert path.stat().st_size > 0
    return path


def decoded(driver: Any, selector: str) -> bool:
    return bool(driver.execute_script(
        "const img = document.querySelector(arguments[0]);"
        "return img !== null && img.complete && img.naturalWidth > 0;", selector))


def test_live_predictions_controls_and_journal(emulator: tuple[Emulator, str], browser: Any,
                                               artefacts: Path) -> None:
    mock, url = emulator
    browser.get(f"{url}/_mock/ui")
    live(browser)
    assert browser.find_element("tag name", "h1").text == "Predictions"
    assert console_errors(browser) == []
    shoot(browser, artefacts, "predictions-empty")

    with fashn.Fashn(base_url=url, api_key=KEY, max_retries=0) as sdk:
        submitted = time.monotonic()
        run = sdk.predictions.run(model_name="tryon-v1.6", inputs={
            "model_image": data_uri((96, 144)), "garment_image": data_uri((64, 64))})
        row = f"row-{run.id}"
        wait_for(lambda: read(browser, f"#{row}") is not None, "the new row, without a reload")
        lag = time.monotonic() - submitted
        assert read(browser, f"#{row}", "data-status") in ("starting", "in_queue", "processing")

        with pytest.raises(fashn.RateLimitError):  # --concurrency 1: the slot is taken
            sdk.predictions.run(model_name="tryon-v1.6", inputs={
                "model_image": data_uri(), "garment_image": data_uri()})

        seconds = browser.find_element("id", "advance-seconds")
        seconds.clear()
        seconds.send_keys("60")
        browser.find_element("id", "advance-button").click()
        wait_for(lambda: read(browser, f"#{row}", "data-status") == "completed",
                 "the row to turn completed after advancing from the page")
        assert sdk.predictions.status(run.id).status == "completed"
    thumbnail = f"#{row} img.thumb"
    wait_for(lambda: decoded(browser, thumbnail), "the thumbnail to decode")
    assert console_errors(browser) == []
    shoot(browser, artefacts, "predictions")

    browser.execute_script("document.querySelector(arguments[0]).click()", f"#{row} th a")
    wait_for(lambda: run.id in browser.find_element("tag name", "h1").text, "the detail view")
    live(browser)
    wait_for(lambda: decoded(browser, "img.output"), "the full-size output")
    assert decoded(browser, "img.input-image")  # the data-URI input, shown as an image
    assert "no webhook deliveries" in browser.find_element("id", "webhook-attempts").text
    assert "POST /v1/run" in browser.find_element("id", "live-prediction").text
    assert console_errors(browser) == []
    shoot(browser, artefacts, "prediction")

    browser.get(f"{url}/_mock/ui/journal")
    live(browser)
    assert "ConcurrencyLimitExceeded" in (read(browser, 'tr[data-status="429"] td.reason')
                                          or "")
    import httpx  # a scripted refusal, seen live by the open journal page

    httpx.get(f"{url}/v1/credits", headers={"Authorization": f"Bearer {KEY}",
                                             "X-Fashn-Mock-Error": "RateLimitExceeded"})
    wait_for(lambda: "RateLimitExceeded, retry after" in (read(browser, "#live-journal") or ""),
             "the scripted 429, live")
    shoot(browser, artefacts, "journal")

    browser.get(f"{url}/_mock/ui/books")
    live(browser)
    books = browser.find_element("id", "live-books").text
    assert KEY in books and "0 / 1 in use" in books
    shoot(browser, artefacts, "books")

    browser.get(f"{url}/_mock/ui/controls")
    live(browser)
    from selenium.webdriver.support.select import Select

    Select(browser.find_element("id", "fault-error")).select_by_visible_text("PoseError")
    browser.find_element("id", "fault-times").clear()
    browser.find_element("id", "fault-times").send_keys("2")
    browser.find_element("id", "fault-submit").click()
    wait_for(lambda: "PoseError" in browser.find_element("id", "live-controls").text,
             "the scheduled fault to be listed")
    assert [(r.error, r.times) for r in mock.engine.faults.rules] == [("PoseError", 2)]
    browser.find_element("id", "run-until-done").click()
    assert console_errors(browser) == []
    shoot(browser, artefacts, "controls")
    (artefacts / "sse-lag.json").write_text(json.dumps({"submit_to_row_seconds": lag}))


def test_token_login(browser: Any, artefacts: Path) -> None:
    emulator = Emulator(manual_clock=True, control_token="s3cret-token")
    with serving(emulator, browser) as url:
        browser.get(f"{url}/_mock/ui/books")
        wait_for(lambda: "/_mock/ui/login" in browser.current_url, "the login form")
        browser.find_element("id", "token").send_keys("wrong")
        browser.find_element("id", "login-button").click()
        alert = wait_for(lambda: browser.find_element("id", "login-error"), "the refusal")
        assert alert.text == "Wrong token."
        assert browser.get_cookies() == []
        assert all("/_mock/ui/login" in e and "401" in e for e in console_errors(browser))
        shoot(browser, artefacts, "login-refused")

        browser.find_element("id", "token").send_keys("s3cret-token")
        browser.find_element("id", "login-button").click()
        wait_for(lambda: browser.current_url.endswith("/_mock/ui/books"), "the books view")
        assert "s3cret" not in browser.current_url
        cookie = browser.get_cookies()[0]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert "s3cret" not in cookie["value"]
        assert browser.execute_script("return document.cookie") == ""
        live(browser)
        before = emulator.now()
        browser.find_element("id", "advance-button").click()  # the control API, by cookie
        wait_for(lambda: emulator.now() == before + 10, "the clock to move")
        assert console_errors(browser) == []


def test_ten_thousand_predictions_render_one_page(browser: Any, artefacts: Path) -> None:
    emulator = Emulator(manual_clock=True, time_scale=1, limits=False, seed=1)
    run = parse_run_body({"model_name": "tryon-v1.6", "inputs": {
        "model_image": "https://example.com/m.jpg", "garment_image": "https://example.com/g.jpg"}})
    for index in range(10_000):
        emulator.engine.submit(f"key-{index % 20}", run)
    emulator.advance(5)
    assert emulator.engine.inspect(prediction_page(Filter())).total == 10_000
    with serving(emulator, browser) as url:
        browser.get(f"{url}/_mock/ui")
        live(browser)
        assert "10000 predictions" in (read(browser, "#predictions-summary") or "")
        rows = browser.execute_script(
            "return document.querySelectorAll('#live-predictions tbody tr').length")
        assert rows == 50
        paint = wait_for(lambda: browser.execute_script(
            "const e = performance.getEntriesByName('first-contentful-paint')[0];"
            "return e ? e.startTime : null;"), "the first contentful paint entry")
        shoot(browser, artefacts, "predictions-10k")
        (artefacts / "first-paint-10k.json").write_text(json.dumps({"fcp_ms": paint}))
        assert console_errors(browser) == []


def test_keyboard_focus_survives_live_updates(emulator: tuple[Emulator, str],
                                              browser: Any) -> None:
    mock, url = emulator
    run = mock.engine.submit(KEY, parse_run_body({"model_name": "tryon-v1.6", "inputs": {
        "model_image": "https://example.com/m.jpg", "garment_image": "https://example.com/g.jpg"}}))
    browser.get(f"{url}/_mock/ui")
    live(browser)
    wait_for(lambda: browser.execute_script(
        "const link = document.querySelector(arguments[0]); link.focus();"
        "return document.activeElement === link;", f"#row-{run.id} th a"), "focus")
    mock.advance(60)  # a transition: the list is re-read and replaced
    wait_for(lambda: read(browser, f"#row-{run.id}", "data-status") == "completed",
             "the live update")
    focused = browser.execute_script("return document.activeElement.getAttribute('href')")
    assert focused == f"/_mock/ui/predictions/{run.id}"
