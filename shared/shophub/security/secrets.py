"""Shop keys in SSM Parameter Store (SecureString) under ``/shophub/<stage>/accounts/<id>``.

DynamoDB holds only the parameter name. Nothing here ever logs or raises with the key's value.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shophub.errors import NotFoundError


class SecretStore:
    def __init__(self, ssm: Any, prefix: str) -> None:
        self.ssm = ssm
        self.prefix = prefix.rstrip("/")
        self._cache: dict[str, str] = {}

    def name_for(self, account_id: str) -> str:
        return f"{self.prefix}/{account_id}"

    def put(self, account_id: str, secret: str) -> str:
        """Store (or replace) the account's key; returns the parameter name."""
        name = self.name_for(account_id)
        self.ssm.put_parameter(Name=name, Value=secret, Type="SecureString", Overwrite=True)
        self._cache[name] = secret
        return name

    def get(self, name: str) -> str:
        if name in self._cache:
            return self._cache[name]
        try:
            answer = self.ssm.get_parameter(Name=name, WithDecryption=True)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                raise NotFoundError("secret", code="secret_not_found", message_key="not_found") from None
            raise
        value = str(answer["Parameter"]["Value"])
        self._cache[name] = value
        return value

    def delete(self, name: str) -> None:
        self._cache.pop(name, None)
        try:
            self.ssm.delete_parameter(Name=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
                raise
