"""API tokens: stored only as SHA-256 hashes; the plain token is shown once at creation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from shophub.clock import Clock, iso, utc_now
from shophub.store import keys
from shophub.store.dynamo import HubTable

TOKEN_PREFIX = "shk_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenItem:
    tenant_id: str
    name: str
    created_at: str
    revoked: bool = False


class TokenRepository:
    def __init__(self, table: HubTable, clock: Clock = utc_now) -> None:
        self.table = table
        self.clock = clock

    def create(self, tenant_id: str, name: str = "default", token: str | None = None) -> str:
        """Store a new token for ``tenant_id`` and return it in plain text (only now)."""
        plain = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.table.put(
            {
                "PK": keys.token_pk(hash_token(plain)),
                "SK": keys.TOKEN_SK,
                "tenant_id": tenant_id,
                "name": name,
                "created_at": iso(self.clock()),
            }
        )
        return plain

    def resolve(self, token: str) -> TokenItem | None:
        """The token's tenant, or ``None`` for an unknown or revoked token."""
        if not token or len(token) > 512:
            return None
        item = self.table.get(keys.token_pk(hash_token(token)), keys.TOKEN_SK)
        if not item or item.get("revoked_at"):
            return None
        return TokenItem(item["tenant_id"], item.get("name", ""), item.get("created_at", ""))

    def revoke(self, token: str) -> None:
        self.table.update(
            keys.token_pk(hash_token(token)),
            keys.TOKEN_SK,
            set_={"revoked_at": iso(self.clock())},
            condition="attribute_exists(PK)",
            return_new=False,
        )
