"""The merchant panel in a real browser: Debian's Chromium driven by Playwright, and the local
stack (``make run``'s, on free ports) serving the built panel at ``/panel/``.

Playwright's own browser downloads are not used: ``chromium`` from apt (``make chromium``) is
launched through ``executable_path``, with ``--no-sandbox`` when running as root (CI).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from local.stack.panel import DIST

ROOT = Path(__file__).resolve().parents[2]
#: Every screen the browser tests pass through, as PNG (git-ignored; three are copied into docs/img).
SCREENSHOTS = ROOT / "tests" / "ui" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_launch_args() -> dict[str, Any]:
    """Launch arguments for Debian's Chromium; fails (never skips) when it is missing."""
    executable = os.environ.get("SHOPHUB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        raise RuntimeError("Chromium is not installed: run `make chromium` (apt-get install chromium)")
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return {"executable_path": executable, "args": args}


def require_built_panel() -> Path:
    if not (DIST / "index.html").is_file():
        raise RuntimeError(f"the panel is not built ({DIST}): run `make web` (make test-ui does)")
    return DIST


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Saves the screen as ``tests/ui/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def fits_width(page: Any) -> bool:
    """No horizontal scrolling: the page is as wide as the viewport or narrower."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def sign_in(page: Any, panel_url: str, token: str) -> None:
    """Through the sign-in page, as the merchant does."""
    page.goto(panel_url)
    page.get_by_label("Token API").fill(token)
    page.get_by_role("button", name="Zaloguj").click()
    page.get_by_role("heading", name="PrestaShop: konta").wait_for()


def progress_values(page: Any, until: Any, *, timeout: float = 60.0, midway: Any = None) -> list[int]:
    """The progress bar's values as they change, read every 50 ms until ``until()`` is true;
    ``midway()`` is called once, at the first value strictly between 0 and 100."""
    import time

    seen: list[int] = []
    deadline = time.monotonic() + timeout
    bar = page.get_by_role("progressbar")
    while time.monotonic() < deadline:
        if bar.count():
            value = int(bar.first.get_attribute("aria-valuenow") or 0)
            if not seen or seen[-1] != value:
                seen.append(value)
                if midway is not None and 0 < value < 100 and not any(0 < v < 100 for v in seen[:-1]):
                    midway()
        if until():
            return seen
        page.wait_for_timeout(50)
    raise AssertionError(f"not done in {timeout} s; progress seen: {seen}")
