"""What the browser tests share: one Chromium (Debian's, driven by Playwright, never a downloaded
build), the screenshot folder, and signing a user in without typing a password."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
ON_CI = bool(os.environ.get("CI"))


def missing_browser():
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is missing: pip install -e '.[test]'"
    return None


@pytest.fixture(scope="module")
def chromium():
    """Skipped only when chromium is absent and CI is not set; on CI a missing browser fails."""
    missing = missing_browser()
    if missing:
        if ON_CI:
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread; the test's own ORM calls are
    # synchronous and run between browser calls, never concurrently with them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshot_folder():
    folder = Path(os.environ.get("AIHM_TEST_OUTPUT") or settings.BASE_DIR / "test-output") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def session_cookie(user, live_server):
    """The session cookie of `user` signed in, for a browser context (as the login page would set it)."""
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url}
