"""Composition root: builds repositories and services with their collaborators.

Handlers ask :func:`container` for a service; tests build services directly (or call
:func:`reset` after changing the environment). AWS clients are created lazily, once per
container, so importing a handler stays cheap.

Every factory is typed with the class it builds and the boto3 clients with their stubs
(``mypy_boto3_*``), all imported under ``TYPE_CHECKING`` only, so a cold start loads none of
them; ``make lint`` checks this module with ``mypy --strict``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from shophub.clock import Clock, utc_now

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient

    from shophub.connectors.base import Connector
    from shophub.domain.accounts import Account
    from shophub.security.secrets import SecretStore
    from shophub.services.accounts import AccountService
    from shophub.services.activity import ActivityService
    from shophub.services.admin import OperatorReadService
    from shophub.services.catalog import CatalogService
    from shophub.services.config import ConfigService
    from shophub.services.dictionaries import DictionaryService
    from shophub.services.discovery import DiscoveryService
    from shophub.services.imports import ImportService
    from shophub.services.link_jobs import LinkJobService
    from shophub.services.linking import LinkFileService
    from shophub.services.order_poll import OrderPollDispatcher, OrderPollService
    from shophub.services.order_push import OrderPushService
    from shophub.services.orders import OrderService
    from shophub.services.push_breakers import BreakerPolicy
    from shophub.services.stock import StockService
    from shophub.services.stock_movements import OrderStockService
    from shophub.services.stock_push import ReportService, StockPushService
    from shophub.services.templates import TemplateService
    from shophub.settings import Settings
    from shophub.store.accounts import AccountRepository
    from shophub.store.activity import ActivityLogRepository
    from shophub.store.breakers import BreakerRepository
    from shophub.store.catalog import CatalogRepository
    from shophub.store.config import ConfigRepository
    from shophub.store.dictionaries import DictionaryRepository
    from shophub.store.discovery import DiscoveryRepository
    from shophub.store.dynamo import HubTable
    from shophub.store.files import FileStore
    from shophub.store.imports import ImportRepository
    from shophub.store.messaging import EventPublisher, QueuePublisher
    from shophub.store.orders import OrderRepository, PollCursorRepository
    from shophub.store.reports import ReportRepository
    from shophub.store.stock import OfferStockRepository, StockRepository
    from shophub.store.templates import TemplateRepository
    from shophub.store.tokens import TokenRepository


class Container:
    def __init__(self, settings: Settings | None = None, *, clock: Clock = utc_now) -> None:
        if settings is None:
            # pydantic-settings is imported with the first container, not with the handler
            # module: the environment is read once per execution environment either way.
            from shophub.settings import get_settings

            settings = get_settings()
        self.settings = settings
        self.clock = clock

    # --- AWS clients ----------------------------------------------------------------------------

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        import boto3

        return boto3.client("dynamodb")

    @cached_property
    def sqs(self) -> SQSClient:
        import boto3

        return boto3.client("sqs")

    @cached_property
    def ssm(self) -> SSMClient:
        import boto3

        return boto3.client("ssm")

    @cached_property
    def events(self) -> EventBridgeClient:
        import boto3

        return boto3.client("events")

    @cached_property
    def s3(self) -> S3Client:
        import boto3
        from botocore.config import Config

        # SigV4 for presigned downloads (every region accepts it)
        return boto3.client("s3", config=Config(signature_version="s3v4"))

    # --- store ----------------------------------------------------------------------------------

    @cached_property
    def table(self) -> HubTable:
        from shophub.store.dynamo import HubTable

        return HubTable(self.dynamodb, self.settings.table_name)

    @cached_property
    def tokens(self) -> TokenRepository:
        from shophub.store.tokens import TokenRepository

        return TokenRepository(self.table, self.clock)

    @cached_property
    def accounts(self) -> AccountRepository:
        from shophub.store.accounts import AccountRepository

        return AccountRepository(self.table)

    @cached_property
    def activity(self) -> ActivityLogRepository:
        from shophub.store.activity import ActivityLogRepository

        return ActivityLogRepository(self.table, self.clock, self.settings.log_retention_days)

    @cached_property
    def reports(self) -> ReportRepository:
        from shophub.store.reports import ReportRepository

        return ReportRepository(self.table)

    @cached_property
    def secrets(self) -> SecretStore:
        from shophub.security.secrets import SecretStore

        return SecretStore(self.ssm, self.settings.secret_path_prefix)

    @cached_property
    def hub_events(self) -> EventPublisher:
        from shophub.store.messaging import EventPublisher

        return EventPublisher(self.events, self.settings.event_bus_name)

    def queue(self, url: str | None) -> QueuePublisher:
        from shophub.store.messaging import QueuePublisher

        return QueuePublisher(self.sqs, url or "")

    # --- shops ----------------------------------------------------------------------------------

    def connector_for(self, account: Account, *, deadline: Callable[[], float] | None = None) -> Connector:
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
    ) -> Connector:
        """A connector for a shop that is not saved yet (the connection check)."""
        from shophub.connectors import build_connector

        return build_connector(
            platform, shop_url, api_key, deadline=deadline, allow_local=self.settings.allow_local_shops
        )

    # --- services (each area adds its factories below) -----------------------------------------

    # stock: hub stock, the stock pusher, sync reports

    @cached_property
    def stock_repository(self) -> StockRepository:
        from shophub.store.stock import StockRepository

        return StockRepository(self.table)

    @cached_property
    def offer_stock_repository(self) -> OfferStockRepository:
        from shophub.store.stock import OfferStockRepository

        return OfferStockRepository(self.table)

    @cached_property
    def stock_service(self) -> StockService:
        from shophub.services.stock import StockService

        return StockService(self.stock_repository, self.queue(self.settings.stock_queue_url), clock=self.clock)

    def stock_push_service(self, *, deadline: Callable[[], float] | None = None) -> StockPushService:
        """The stock pusher for one invocation (shop requests stop before ``deadline``)."""
        from shophub.services.shop_isolation import ShopIsolation
        from shophub.services.stock_push import ACCOUNT_BUDGET_SECONDS, StockPushService

        return StockPushService(
            self.stock_repository,
            self.offer_stock_repository,
            self.reports,
            self.activity,
            self.hub_events,
            lambda account, account_deadline: self.connector_for(account, deadline=account_deadline),
            clock=self.clock,
            deadline=deadline,
            shop_concurrency=self.settings.shop_concurrency,
            isolation=ShopIsolation(
                self.breakers,
                lambda: self.queue(self.settings.stock_queue_url),
                self.activity,
                policy=self.breaker_policy,
            ),
            account_budget=self.push_account_budget or ACCOUNT_BUDGET_SECONDS,
        )

    #: How long an unreachable shop's rows wait (None: the defaults; tests shorten it).
    breaker_policy: BreakerPolicy | None = None
    #: Seconds one account's push may take per invocation (None: the pusher's default).
    push_account_budget: float | None = None

    @cached_property
    def report_service(self) -> ReportService:
        from shophub.services.stock_push import ReportService

        return ReportService(self.accounts, self.reports)

    @cached_property
    def discovery_store(self) -> DiscoveryRepository:
        from shophub.store.discovery import DiscoveryRepository

        return DiscoveryRepository(self.table)

    @cached_property
    def discovery_service(self) -> DiscoveryService:
        from shophub.services.discovery import DiscoveryService

        return DiscoveryService(
            accounts=self.accounts,
            store=self.discovery_store,
            activity=self.activity,
            connector_for=self.connector_for,
            queue=lambda: self.queue(self.settings.discovery_queue_url),
            clock=self.clock,
        )

    @cached_property
    def account_service(self) -> AccountService:
        from shophub.services.accounts import AccountService

        return AccountService(
            accounts=self.accounts,
            secrets=self.secrets,
            activity=self.activity,
            discovery=self.discovery_service,
            connect=self.connector_for_new_shop,
            clock=self.clock,
            allow_local=self.settings.allow_local_shops,
            cursors=self.poll_cursor_repository,
            breakers=self.breakers,
            poll_breakers=self.order_poll_breakers,
        )

    @cached_property
    def breakers(self) -> BreakerRepository:
        from shophub.store.breakers import BreakerRepository

        return BreakerRepository(self.table)

    @cached_property
    def order_poll_breakers(self) -> BreakerRepository:
        from shophub.store.breakers import BreakerRepository

        return BreakerRepository(self.table, "orders")

    @cached_property
    def activity_service(self) -> ActivityService:
        from shophub.services.activity import ActivityService

        return ActivityService(self.accounts, self.activity)

    @cached_property
    def operator_read_service(self) -> OperatorReadService:
        """Platform operators' reads of any tenant's data, each logged in that tenant's log."""
        from shophub.services.admin import OperatorReadService

        return OperatorReadService(
            tenants=self.tokens,
            activity=self.activity,
            accounts=self.account_service,
            logs=self.activity_service,
            imports=self.import_service,
            reports=self.report_service,
        )

    # config: hub dictionaries, mappings, order settings, field mapping, templates

    @cached_property
    def dictionary_repository(self) -> DictionaryRepository:
        from shophub.store.dictionaries import DictionaryRepository

        return DictionaryRepository(self.table, self.clock)

    @cached_property
    def template_repository(self) -> TemplateRepository:
        from shophub.store.templates import TemplateRepository

        return TemplateRepository(self.table)

    @cached_property
    def config_repository(self) -> ConfigRepository:
        from shophub.store.config import ConfigRepository

        return ConfigRepository(self.table, self.template_repository, self.dictionary_repository)

    @cached_property
    def dictionary_service(self) -> DictionaryService:
        from shophub.services.dictionaries import DictionaryService
        from shophub.store.dictionary_usage import DictionaryUsageRepository

        return DictionaryService(
            self.dictionary_repository, self.activity, self.clock, DictionaryUsageRepository(self.table)
        )

    @cached_property
    def config_service(self) -> ConfigService:
        from shophub.services.config import ConfigService

        return ConfigService(
            self.accounts, self.config_repository, self.dictionary_repository, self.activity, self.clock
        )

    @cached_property
    def template_service(self) -> TemplateService:
        from shophub.services.templates import TemplateService

        return TemplateService(self.accounts, self.template_repository, self.activity, self.clock)

    # catalogue, imports and linking

    @cached_property
    def catalog(self) -> CatalogRepository:
        from shophub.store.catalog import CatalogRepository

        return CatalogRepository(self.table)

    @cached_property
    def imports(self) -> ImportRepository:
        from shophub.store.imports import ImportRepository

        return ImportRepository(self.table)

    @cached_property
    def catalog_service(self) -> CatalogService:
        from shophub.services.catalog import CatalogService

        return CatalogService(self.catalog, self.offer_stock_repository)

    @cached_property
    def import_service(self) -> ImportService:
        from shophub.connectors import read_catalogue_file
        from shophub.services.file_import import CatalogueFiles
        from shophub.services.imports import ImportService

        return ImportService(
            accounts=self.accounts,
            imports=self.imports,
            catalog=self.catalog,
            field_mappings=self.config_repository.get_field_mapping,
            reports=self.reports,
            activity=self.activity,
            events=self.hub_events,
            queue=lambda: self.queue(self.settings.import_queue_url),
            connector_for=self.connector_for,
            clock=self.clock,
            files=CatalogueFiles(blobs=lambda: self.link_files, reader=read_catalogue_file),
        )

    @cached_property
    def link_file_service(self) -> LinkFileService:
        from shophub.services.linking import LinkFileService

        return LinkFileService(
            accounts=self.accounts,
            catalog=self.catalog,
            imports=self.imports,
            activity=self.activity,
            connector_for=self.connector_for,
            clock=self.clock,
            jobs=lambda: self.link_job_service,
        )

    @cached_property
    def link_files(self) -> FileStore:
        from shophub.store.files import FileStore

        return FileStore(self.s3, self.settings.links_bucket)

    @cached_property
    def link_job_service(self) -> LinkJobService:
        from shophub.services.link_jobs import LinkJobService
        from shophub.store.link_jobs import LinkJobRepository

        return LinkJobService(
            accounts=self.accounts,
            jobs=LinkJobRepository(self.table),
            links=self.link_file_service,
            files=lambda: self.link_files,
            queue=lambda: self.queue(self.settings.import_queue_url),
            activity=self.activity,
            clock=self.clock,
        )

    # orders: polling, hub orders, pushes to the shop, stock from orders

    @cached_property
    def order_repository(self) -> OrderRepository:
        from shophub.store.orders import OrderRepository

        return OrderRepository(self.table)

    @cached_property
    def poll_cursor_repository(self) -> PollCursorRepository:
        from shophub.store.orders import PollCursorRepository

        return PollCursorRepository(self.table)

    @cached_property
    def order_stock_service(self) -> OrderStockService:
        from shophub.services.stock_movements import OrderStockService

        return OrderStockService(
            self.order_repository, self.stock_repository, self.catalog, self.activity, clock=self.clock
        )

    @cached_property
    def order_service(self) -> OrderService:
        from shophub.services.orders import OrderService

        return OrderService(
            orders=self.order_repository,
            accounts=self.accounts,
            config=self.config_repository,
            stock_moves=self.order_stock_service,
            stock_announcer=self.stock_service,
            activity=self.activity,
            events=self.hub_events,
            poll_queue=lambda: self.queue(self.settings.order_poll_queue_url),
            update_queue=lambda: self.queue(self.settings.order_update_queue_url),
            clock=self.clock,
        )

    @cached_property
    def order_poll_dispatcher(self) -> OrderPollDispatcher:
        from shophub.services.order_poll import OrderPollDispatcher

        return OrderPollDispatcher(self.config_repository, lambda: self.queue(self.settings.order_poll_queue_url))

    @cached_property
    def order_poll_service(self) -> OrderPollService:
        from shophub.services.order_poll import OrderPollService
        from shophub.services.poll_breakers import PollBreakers

        return OrderPollService(
            accounts=self.accounts,
            config=self.config_repository,
            discovery=self.discovery_store,
            catalog=self.catalog,
            orders=self.order_repository,
            cursors=self.poll_cursor_repository,
            stock_moves=self.order_stock_service,
            stock_announcer=self.stock_service,
            activity=self.activity,
            events=self.hub_events,
            poll_queue=lambda: self.queue(self.settings.order_poll_queue_url),
            connector_for=self.connector_for,
            breakers=PollBreakers(self.order_poll_breakers, self.activity, self.breaker_policy),
            clock=self.clock,
        )

    @cached_property
    def order_push_service(self) -> OrderPushService:
        from shophub.services.order_push import OrderPushService

        return OrderPushService(
            accounts=self.accounts,
            config=self.config_repository,
            orders=self.order_repository,
            activity=self.activity,
            connector_for=self.connector_for,
            clock=self.clock,
        )


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
    from shophub.settings import get_settings

    get_settings.cache_clear()
    _container = new
