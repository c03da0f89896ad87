"""API tokens: stored only as SHA-256 hashes; the plain token is shown once at creation.

Two items per token, written in one transaction:

* ``PK=TOKEN#<sha256>, SK=TOKEN`` — what the authorizer reads: tenant, name, created, expiry
  (``expires``, ISO; absent = never) and ``revoked_at``;
* ``PK=TOKENS, SK=NAME#<name>`` — the same facts under the token's unique name, for listing and
  revoking by name (``make tokens``, ``make token-revoke``). It holds the hash to find the token
  item; listings never show it.

An expired or revoked token resolves to nothing (the API answers 401). Expired tokens are not
deleted (the table's TTL attribute is not set on them), so the listing still shows them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shophub.clock import Clock, iso, utc_now
from shophub.store import keys
from shophub.store.dynamo import HubTable, TransactionConflict

TOKEN_PREFIX = "shk_"
#: What a token name may look like (``NAME=`` of ``make token``).
TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenNameTaken(Exception):
    """Another token already has this name."""


class TokenNotFound(Exception):
    """No token has this name."""


@dataclass(frozen=True)
class TokenItem:
    """A token as listed or resolved: never the token or its hash."""

    tenant_id: str
    name: str
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None

    def state(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at and datetime.fromisoformat(self.expires_at) <= now:
            return "expired"
        return "active"


def _token_item(item: dict[str, Any]) -> TokenItem:
    return TokenItem(
        tenant_id=str(item["tenant_id"]),
        name=str(item.get("name", "")),
        created_at=str(item.get("created_at", "")),
        expires_at=item.get("expires"),
        revoked_at=item.get("revoked_at"),
    )


class TokenRepository:
    def __init__(self, table: HubTable, clock: Clock = utc_now) -> None:
        self.table = table
        self.clock = clock

    def create(
        self,
        tenant_id: str,
        name: str | None = None,
        token: str | None = None,
        *,
        expires_in_days: int | None = None,
    ) -> str:
        """Store a new token for ``tenant_id`` and return it in plain text (only now).

        ``name`` defaults to ``<tenant>-<YYYY-MM-DD>`` (``-2``, ``-3``, ... when taken); a chosen
        name that is taken raises :class:`TokenNameTaken`. ``expires_in_days``: None = never."""
        if name is not None and not TOKEN_NAME.match(name):
            raise ValueError(f"invalid token name {name!r}")
        plain = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        facts: dict[str, Any] = {"tenant_id": tenant_id, "created_at": iso(now)}
        if expires_in_days is not None:
            facts["expires"] = iso(now + timedelta(days=expires_in_days))
        for _ in range(20):
            chosen = name or self._free_default_name(tenant_id, now)
            try:
                self._put(hash_token(plain), {**facts, "name": chosen})
                return plain
            except TokenNameTaken:
                if name is not None:
                    raise
        raise TokenNameTaken(f"no free default name for tenant {tenant_id}")

    def _put(self, token_hash: str, facts: dict[str, Any]) -> None:
        token_item = {"PK": keys.token_pk(token_hash), "SK": keys.TOKEN_SK, **facts}
        name_item = {"PK": keys.TOKEN_NAMES_PK, "SK": keys.token_name_sk(facts["name"]), "hash": token_hash, **facts}
        try:
            self.table.transact_write(
                [
                    self.table.tx_put(token_item, condition="attribute_not_exists(PK)"),
                    self.table.tx_put(name_item, condition="attribute_not_exists(PK)"),
                ]
            )
        except TransactionConflict as cancelled:
            if cancelled.reasons[1:2] == ["ConditionalCheckFailed"]:
                raise TokenNameTaken(facts["name"]) from None
            raise

    def _free_default_name(self, tenant_id: str, now: datetime) -> str:
        base = f"{tenant_id}-{now.date().isoformat()}"
        taken = {
            str(item["name"]) for item in self.table.query(keys.TOKEN_NAMES_PK, sk_prefix=keys.token_name_sk(base))
        }
        if base not in taken:
            return base
        return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)

    def resolve(self, token: str) -> TokenItem | None:
        """The token's tenant, or ``None`` for an unknown, revoked or expired token."""
        if not token or len(token) > 512:
            return None
        item = self.table.get(keys.token_pk(hash_token(token)), keys.TOKEN_SK)
        if not item:
            return None
        found = _token_item(item)
        return found if found.state(self.clock()) == "active" else None

    def list(self) -> list[TokenItem]:
        """Every token by name (revoked and expired ones too)."""
        return [_token_item(item) for item in self.table.query(keys.TOKEN_NAMES_PK, sk_prefix=keys.TOKEN_NAME_PREFIX)]

    def revoke(self, token: str) -> None:
        """Revoke a token given in plain text; :class:`TokenNotFound` when it is unknown."""
        token_hash = hash_token(token)
        item = self.table.get(keys.token_pk(token_hash), keys.TOKEN_SK, consistent=True)
        if not item:
            raise TokenNotFound("unknown token")
        named = self.table.get(keys.TOKEN_NAMES_PK, keys.token_name_sk(str(item.get("name", ""))), consistent=True)
        self._revoke(token_hash, str(named["name"]) if named and named.get("hash") == token_hash else None)

    def revoke_named(self, name: str) -> TokenItem:
        """Revoke the token called ``name``; :class:`TokenNotFound` when there is none."""
        item = self.table.get(keys.TOKEN_NAMES_PK, keys.token_name_sk(name), consistent=True)
        if not item:
            raise TokenNotFound(name)
        self._revoke(str(item["hash"]), name)
        return _token_item({**item, "revoked_at": item.get("revoked_at") or iso(self.clock())})

    def _revoke(self, token_hash: str, name: str | None) -> None:
        """Stamp ``revoked_at`` (kept from the first revocation) on the token and its name."""
        stamp = {"revoked_at": iso(self.clock())}
        targets = [(keys.token_pk(token_hash), keys.TOKEN_SK)]
        if name:
            targets.append((keys.TOKEN_NAMES_PK, keys.token_name_sk(name)))
        self.table.transact_write(
            [self.table.tx_update(pk, sk, set_if_absent=stamp, condition="attribute_exists(PK)") for pk, sk in targets]
        )
