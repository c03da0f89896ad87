"""Shared fixtures: moto-backed AWS built from template.yaml, an API client for handlers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.aws import TestStack, aws_stack

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "prestashop-8.1.2"


@pytest.fixture
def stack() -> Iterator[TestStack]:
    """A fresh in-process AWS (moto) with the template's resources."""
    with aws_stack() as provisioned:
        yield provisioned
