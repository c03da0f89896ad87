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
