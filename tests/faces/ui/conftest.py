"""A real headless Chromium for the dashboard's browser tests (Debian's ``chromium``
and ``chromium-driver``, driven by Selenium), started by the tests themselves on a
free loopback port. Without them the browser tests skip, saying how to install."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import free_port

BROWSER = os.environ.get("FASHN_MOCK_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("FASHN_MOCK_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL = "install chromium and chromium-driver: apt-get install chromium chromium-driver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--window-size=1400,1000")
"""Headless, and nothing that reaches Google hosts (the network is closed)."""
ARTEFACTS = os.environ.get("FASHN_MOCK_UI_ARTEFACTS")
"""Where screenshots go (default: the test's temporary directory)."""


def chromium_installed() -> bool:
    return all(os.access(path, os.X_OK) for path in (BROWSER, DRIVER))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A Chromium WebDriver with the browser console log enabled."""
    if not chromium_installed():
        pytest.skip(INSTALL)
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="fashn-mock-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=DRIVER, port=free_port())
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The browser on a blank page with an empty console log; left on a blank page,
    so no live stream keeps the test's server from stopping."""
    chromium.get("about:blank")
    chromium.get_log("browser")
    chromium.delete_all_cookies()
    yield chromium
    chromium.get("about:blank")


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    """The directory screenshots are written to."""
    folder = Path(ARTEFACTS) if ARTEFACTS else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
