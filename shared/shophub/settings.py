"""Environment configuration, validated once per container (pydantic-settings).

Every variable is ``SHOPHUB_*`` and is set by ``template.yaml`` (Globals) or, locally, by the
local stack from the same template. Services never read the environment: they receive values
from :mod:`shophub.wiring`.

Validation happens in two steps. At a cold start each handler checks that the variables its
function needs are set (:mod:`shophub.function_settings`, a plain look at the environment: the
import loads no settings model); this model then parses and validates every value (types,
ranges, the stage's pattern) when the function's first container is built.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every function may need; queues a function does not use may stay unset."""

    model_config = SettingsConfigDict(env_prefix="SHOPHUB_", extra="ignore", frozen=True)

    stage: str = Field(default="dev", pattern=r"^[a-z0-9-]+$")
    table_name: str = "shophub-dev-hub"
    event_bus_name: str = "shophub-dev-events"
    secret_prefix: str = ""
    import_queue_url: str | None = None
    order_poll_queue_url: str | None = None
    order_update_queue_url: str | None = None
    stock_queue_url: str | None = None
    discovery_queue_url: str | None = None
    #: S3 bucket of links files worked through as jobs and their reports (the importer's).
    links_bucket: str | None = None
    #: Local stack and tests only: allows http://127.0.0.1:<port> shop URLs. Never set when deployed.
    allow_local_shops: bool = False
    #: Shop requests in flight per account (stock pusher pacing).
    shop_concurrency: int = Field(default=2, ge=1, le=16)
    #: Activity log retention.
    log_retention_days: int = Field(default=180, ge=1)
    version: str = "0.1.0"

    @field_validator("allow_local_shops")
    @classmethod
    def _never_when_deployed(cls, value: bool) -> bool:
        """A function running in AWS Lambda never talks to loopback shops, even if a stray
        ``SHOPHUB_ALLOW_LOCAL_SHOPS`` was set on it: the switch would open the URL guard."""
        return value and not running_in_aws_lambda()

    @property
    def secret_path_prefix(self) -> str:
        """SSM path under which shop keys live: ``/shophub/<stage>/accounts``."""
        return self.secret_prefix or f"/shophub/{self.stage}/accounts"


def running_in_aws_lambda() -> bool:
    """True inside the AWS Lambda runtime (not for ``sam local``, the local stack or tests)."""
    return os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_") and not os.environ.get("AWS_SAM_LOCAL")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The container's settings, read from the environment once."""
    return Settings()
