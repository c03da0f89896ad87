"""Composition root: builds repositories and services with their collaborators.

Handlers ask :func:`container` for a service; tests build services directly (or call
:func:`reset` after changing the environment). AWS clients are created lazily, once per
container, so importing a handler stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
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

    @cached_property
    def accounts(self) -> Any:
        from shophub.store.accounts import AccountRepository

        return AccountRepository(self.table)

    @cached_property
    def activity(self) -> Any:
        from shophub.store.activity import ActivityLogRepository

        return ActivityLogRepository(self.table, self.clock, self.settings.log_retention_days)

    @cached_property
    def secrets(self) -> Any:
        from shophub.security.secrets import SecretStore

        return SecretStore(self.ssm, self.settings.secret_path_prefix)

    @cached_property
    def hub_events(self) -> Any:
        from shophub.store.messaging import EventPublisher

        return EventPublisher(self.events, self.settings.event_bus_name)

    def queue(self, url: str | None) -> Any:
        from shophub.store.messaging import QueuePublisher

        return QueuePublisher(self.sqs, url or "")

    # --- shops ----------------------------------------------------------------------------------

    def connector_for(self, account: Any, *, deadline: Callable[[], float] | None = None) -> Any:
        """A connector for ``account``'s platform, with its key read from the secret store."""
        from shophub.connectors import build_connector

        return build_connector(
            account.platform,
            account.shop_url,
            self.secrets.get(account.secret_ref),
            timezone=account.timezone,
            deadline=deadline,
            allow_local=self.settings.allow_local_shops,
        )

    def connector_for_new_shop(
        self, platform: str, shop_url: str, api_key: str, *, deadline: Callable[[], float] | None = None
    ) -> Any:
        """A connector for a shop that is not saved yet (the connection check)."""
        from shophub.connectors import build_connector

        return build_connector(
            platform, shop_url, api_key, deadline=deadline, allow_local=self.settings.allow_local_shops
        )

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
