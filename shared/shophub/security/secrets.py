"""Shop keys in SSM Parameter Store (SecureString) under ``/shophub/<stage>/accounts/<id>``.

DynamoDB holds only the parameter name. Nothing here ever logs or raises with the key's value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from shophub.errors import NotFoundError


class SecretStore:
    #: A warm container re-reads a key after this many seconds, so a key replaced through the
    #: API reaches every worker within the TTL (and at once after :meth:`forget`).
    CACHE_TTL_SECONDS = 300.0

    def __init__(self, ssm: Any, prefix: str, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ssm = ssm
        self.prefix = prefix.rstrip("/")
        self._monotonic = monotonic
        self._cache: dict[str, tuple[str, float]] = {}

    def name_for(self, account_id: str) -> str:
        return f"{self.prefix}/{account_id}"

    def put(self, account_id: str, secret: str) -> str:
        """Store (or replace) the account's key; returns the parameter name."""
        name = self.name_for(account_id)
        self.ssm.put_parameter(Name=name, Value=secret, Type="SecureString", Overwrite=True)
        self._cache[name] = (secret, self._monotonic())
        return name

    def forget(self, name: str) -> None:
        """Drop a cached key (e.g. after the shop refused it)."""
        self._cache.pop(name, None)

    def get(self, name: str) -> str:
        cached = self._cache.get(name)
        if cached and self._monotonic() - cached[1] < self.CACHE_TTL_SECONDS:
            return cached[0]
        try:
            answer = self.ssm.get_parameter(Name=name, WithDecryption=True)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                raise NotFoundError("secret", code="secret_not_found", message_key="not_found") from None
            raise
        value = str(answer["Parameter"]["Value"])
        self._cache[name] = (value, self._monotonic())
        return value

    def delete(self, name: str) -> None:
        self._cache.pop(name, None)
        try:
            self.ssm.delete_parameter(Name=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
                raise
