"""Composition root: builds repositories and services with their collaborators.

Handlers ask :func:`container` for a service; tests build services directly (or call
:func:`reset` after changing the environment). AWS clients are created lazily, once per
container, so importing a handler stays cheap.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from shophub.clock import Clock, utc_now
from shophub.settings import Settings, get_settings


class Container:
    def __init__(self, settings: Settings | None = None, *, clock: Clock = utc_now) -> None:
        self.settings = settings or get_settings()
        self.clock = clock

    # --- AWS clients ----------------------------------------------------------------------------

    def _client(self, service: str) -> Any:
        import boto3

        return boto3.client(service)

    @cached_property
    def dynamodb(self) -> Any:
        return self._client("dynamodb")

    @cached_property
    def sqs(self) -> Any:
        return self._client("sqs")

    @cached_property
    def ssm(self) -> Any:
        return self._client("ssm")

    @cached_property
    def events(self) -> Any:
        return self._client("events")

    # --- store ----------------------------------------------------------------------------------

    @cached_property
    def table(self) -> Any:
        from shophub.store.dynamo import HubTable

        return HubTable(self.dynamodb, self.settings.table_name)

    @cached_property
    def tokens(self) -> Any:
        from shophub.store.tokens import TokenRepository

        return TokenRepository(self.table, self.clock)

    # --- services (each area adds its factories below) -----------------------------------------


_container: Container | None = None


def container() -> Container:
    """The process-wide container (one per Lambda execution environment)."""
    global _container
    if _container is None:
        _container = Container()
    return _container


def reset(new: Container | None = None) -> None:
    """Forget the container (tests, after changing the environment)."""
    global _container
    get_settings.cache_clear()
    _container = new
