"""The local gateway serves the panel's build at /panel/ as CloudFront does deployed."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.stack.panel import PanelFiles, is_panel_path


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("outside the build")
    return tmp_path


def test_the_bare_prefix_redirects_to_the_panel(dist: Path) -> None:
    answer = PanelFiles(dist).answer("/panel")
    assert (answer.status, answer.headers) == (308, [("location", "/panel/")])


@pytest.mark.parametrize(
    "path", ["/panel/", "/panel/integrations/prestashop", "/panel/integrations/prestashop/a1/templates"]
)
def test_a_client_route_is_the_apps_index(dist: Path, path: str) -> None:
    answer = PanelFiles(dist).answer(path)
    assert answer.status == 200
    assert b"id=root" in answer.body
    assert ("cache-control", "no-cache") in answer.headers
    assert ("content-type", "text/html; charset=utf-8") in answer.headers


def test_hashed_assets_are_cached_for_a_year_with_their_type(dist: Path) -> None:
    answer = PanelFiles(dist).answer("/panel/assets/index-abc123.js")
    assert answer.status == 200 and answer.body == b"console.log(1)"
    assert ("cache-control", "public, max-age=31536000, immutable") in answer.headers
    assert ("content-type", "text/javascript; charset=utf-8") in answer.headers


@pytest.mark.parametrize("path", ["/panel/assets/missing.js", "/panel/../secret.txt", "/panel/%2e%2e/secret.txt"])
def test_a_missing_file_or_a_path_out_of_the_build_is_404(dist: Path, path: str) -> None:
    answer = PanelFiles(dist).answer(path)
    assert answer.status == 404
    assert b"outside" not in answer.body


def test_without_a_deployed_config_the_api_is_on_the_same_origin(dist: Path) -> None:
    answer = PanelFiles(dist).answer("/panel/config.json")
    assert (answer.status, answer.body) == (200, b"{}")


def test_without_a_build_the_panel_says_how_to_make_one(tmp_path: Path) -> None:
    answer = PanelFiles(tmp_path / "dist").answer("/panel/")
    assert answer.status == 503
    assert b"make web" in answer.body


def test_only_the_panel_prefix_is_the_panels() -> None:
    assert is_panel_path("/panel") and is_panel_path("/panel/x")
    assert not is_panel_path("/panels") and not is_panel_path("/accounts")
