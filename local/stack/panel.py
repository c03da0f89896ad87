"""The merchant panel's built files (``web/dist``) served at ``/panel/`` beside the API.

Same origin as the API, as CloudFront serves them deployed: ``/panel`` redirects to ``/panel/``;
a path with a file extension is that file or 404; any other path under ``/panel/`` is the
single-page app's ``index.html`` (its router draws the screen). ``config.json`` (where the API
is, written beside the files when deployed) is ``{}`` here: the API is on the same origin. Content-hashed files under
``assets/`` are cached for a year, ``index.html`` never. Without a build, ``/panel/`` says how
to make one.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

PREFIX = "/panel"
DIST = Path(__file__).resolve().parents[2] / "web" / "dist"

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".map": "application/json",
}
_NOT_BUILT = (
    "<!doctype html><meta charset=utf-8><title>ShopHub</title>"
    "<p>The panel is not built yet: run <code>make web</code> (or <code>make run</code>, which builds it).</p>"
)


@dataclass(frozen=True)
class StaticAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def is_panel_path(raw_path: str) -> bool:
    return raw_path == PREFIX or raw_path.startswith(PREFIX + "/")


class PanelFiles:
    """Answers GET/HEAD for ``/panel`` paths from a built ``dist`` folder."""

    def __init__(self, root: Path = DIST) -> None:
        self.root = root.resolve()

    def answer(self, raw_path: str) -> StaticAnswer:
        if raw_path == PREFIX:
            return StaticAnswer(308, [("location", PREFIX + "/")], b"")
        index = self.root / "index.html"
        if not index.is_file():
            return StaticAnswer(503, [("content-type", "text/html; charset=utf-8")], _NOT_BUILT.encode())
        relative = PurePosixPath(unquote(raw_path[len(PREFIX) + 1 :]))
        if relative.suffix:
            found = self._file(relative)
            if found is None and str(relative) == "config.json":
                return StaticAnswer(200, [("content-type", "application/json"), ("cache-control", "no-cache")], b"{}")
            if found is None:
                return StaticAnswer(404, [("content-type", "text/plain; charset=utf-8")], b"not found")
            return self._file_answer(found)
        return self._file_answer(index)

    def _file(self, relative: PurePosixPath) -> Path | None:
        if any(part in ("..", "") for part in relative.parts):
            return None
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _file_answer(self, path: Path) -> StaticAnswer:
        suffix = path.suffix.lower()
        content_type = _TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        hashed = path.parent.name == "assets"
        cache = "public, max-age=31536000, immutable" if hashed else "no-cache"
        headers = [("content-type", content_type), ("cache-control", cache), ("x-content-type-options", "nosniff")]
        return StaticAnswer(200, headers, path.read_bytes())
