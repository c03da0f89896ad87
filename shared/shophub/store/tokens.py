"""API tokens: stored only as SHA-256 hashes; the plain token is shown once at creation.

Two items per token, written in one transaction:

* ``PK=TOKEN#<sha256>, SK=TOKEN`` — what the authorizer reads: tenant, name, created, expiry
  (``expires``, ISO; absent = never) and ``revoked_at``; a platform operator's token has
  ``role=operator`` and no tenant;
* ``PK=TOKENS, SK=NAME#<name>`` — the same facts under the token's unique name, for listing and
  revoking by name (``make tokens``, ``make token-revoke``). It holds the hash to find the token
  item; listings never show it.

An expired or revoked token resolves to nothing (the API answers 401). Expired tokens are not
deleted (the table's TTL attribute is not set on them), so the listing still shows them.

The tenants of the platform are the tenants tokens were made for: a tenant's data is written only
under one of its tokens, and token items are never deleted, so the names partition (one query,
about 4,000 tokens a 1 MB page) lists every tenant that can have data (:meth:`TokenRepository.tenants`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shophub.clock import Clock, iso, utc_now
from shophub.errors import BadRequestError
from shophub.store import keys
from shophub.store.dynamo import HubTable, TransactionConflict
from shophub.store.paging import decode_token, encode_token

TOKEN_PREFIX = "shk_"
#: What a token name may look like (``NAME=`` of ``make token``).
TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
#: The role of a platform operator's token (tenants' tokens carry no role).
OPERATOR_ROLE = "operator"
_TENANTS_SCOPE = "TOKENS#TENANTS"


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
    #: ``tenant`` or ``operator`` (a platform operator's token: no tenant, reads only)
    role: str = "tenant"

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR_ROLE

    def state(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at and datetime.fromisoformat(self.expires_at) <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class TenantItem:
    """A tenant of the platform, as its tokens show it."""

    tenant_id: str
    #: when its first token was made
    since: str
    #: how many of its tokens are active now
    active_tokens: int


def _token_item(item: dict[str, Any]) -> TokenItem:
    operator = item.get("role") == OPERATOR_ROLE
    return TokenItem(
        tenant_id="" if operator else str(item["tenant_id"]),
        name=str(item.get("name", "")),
        created_at=str(item.get("created_at", "")),
        expires_at=item.get("expires"),
        revoked_at=item.get("revoked_at"),
        role=OPERATOR_ROLE if operator else "tenant",
    )


def _by_tenant(tokens: Iterable[TokenItem]) -> dict[str, list[TokenItem]]:
    """Tenants' tokens (not operators') by tenant."""
    found: dict[str, list[TokenItem]] = {}
    for token in tokens:
        if not token.is_operator:
            found.setdefault(token.tenant_id, []).append(token)
    return found


def _tenant_cut(next_token: str | None) -> str | None:
    """The tenant id a page of tenants starts after (400 for a token of anything else)."""
    key = decode_token(next_token, _TENANTS_SCOPE)
    if key is None:
        return None
    if set(key) != {"SK"}:
        raise BadRequestError("invalid paging token", code="invalid_paging_token")
    return str(key["SK"])


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
        facts = self._facts(now, expires_in_days) | {"tenant_id": tenant_id}
        for _ in range(20):
            chosen = name or self._free_default_name(tenant_id, now)
            try:
                self._put(hash_token(plain), {**facts, "name": chosen})
                return plain
            except TokenNameTaken:
                if name is not None:
                    raise
        raise TokenNameTaken(f"no free default name for tenant {tenant_id}")

    def create_operator(self, name: str, token: str | None = None, *, expires_in_days: int | None = None) -> str:
        """Store a new platform operator's token (no tenant; it reads any tenant's data through
        the ``/admin`` routes and changes nothing) and return it in plain text (only now).

        ``name`` is the operator's name, which each read leaves in the tenant's activity log; a
        name that is taken raises :class:`TokenNameTaken`."""
        if not TOKEN_NAME.match(name):
            raise ValueError(f"invalid token name {name!r}")
        plain = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
        facts = self._facts(self.clock(), expires_in_days) | {"role": OPERATOR_ROLE, "name": name}
        self._put(hash_token(plain), facts)
        return plain

    @staticmethod
    def _facts(now: datetime, expires_in_days: int | None) -> dict[str, Any]:
        facts: dict[str, Any] = {"created_at": iso(now)}
        if expires_in_days is not None:
            facts["expires"] = iso(now + timedelta(days=expires_in_days))
        return facts

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
        """The token's tenant (or operator), or ``None`` for an unknown, revoked or expired token."""
        if not token or len(token) > 512:
            return None
        item = self.table.get(keys.token_pk(hash_token(token)), keys.TOKEN_SK)
        if not item:
            return None
        found = _token_item(item)
        return found if found.state(self.clock()) == "active" else None

    def tenants(self, *, limit: int = 50, next_token: str | None = None) -> tuple[list[TenantItem], str | None]:
        """One page of the tenants tokens were made for, by id (operators' tokens name none)."""
        start = _tenant_cut(next_token)
        found = _by_tenant(t for t in self.list() if start is None or t.tenant_id > start)
        now = self.clock()
        page = [
            TenantItem(
                tenant_id=tenant,
                since=min(t.created_at for t in tokens),
                active_tokens=sum(t.state(now) == "active" for t in tokens),
            )
            for tenant, tokens in sorted(found.items())[:limit]
        ]
        more = len(found) > limit
        return page, encode_token({"SK": page[-1].tenant_id}, _TENANTS_SCOPE) if more else None

    def has_tenant(self, tenant_id: str) -> bool:
        """Whether any token (active or not) was made for ``tenant_id``."""
        return any(t.tenant_id == tenant_id and not t.is_operator for t in self.list()) if tenant_id else False

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
