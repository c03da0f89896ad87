"""Shop keys live in SSM SecureString; warm containers pick up a replaced key."""

from __future__ import annotations

import pytest

from shophub.errors import NotFoundError
from shophub.security.secrets import SecretStore

KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"


def test_key_is_stored_as_secure_string_under_the_stage_path(stack):
    store = stack.container.secrets

    name = store.put("acc1", KEY)

    parameter = stack.container.ssm.get_parameter(Name=name)["Parameter"]
    assert name == "/shophub/test/accounts/acc1"
    assert parameter["Type"] == "SecureString"
    assert store.get(name) == KEY


def test_a_replaced_key_reaches_a_warm_container_after_the_ttl(stack):
    now = [0.0]
    writer = SecretStore(stack.container.ssm, "/shophub/test/accounts")
    reader = SecretStore(stack.container.ssm, "/shophub/test/accounts", monotonic=lambda: now[0])
    name = writer.put("acc1", KEY)
    assert reader.get(name) == KEY

    writer.put("acc1", "N" * 32)
    assert reader.get(name) == KEY  # still cached
    now[0] += SecretStore.CACHE_TTL_SECONDS + 1

    assert reader.get(name) == "N" * 32


def test_forget_drops_the_cached_key(stack):
    writer = SecretStore(stack.container.ssm, "/shophub/test/accounts")
    reader = SecretStore(stack.container.ssm, "/shophub/test/accounts")
    name = writer.put("acc1", KEY)
    reader.get(name)
    writer.put("acc1", "N" * 32)

    reader.forget(name)

    assert reader.get(name) == "N" * 32


def test_deleted_key_is_not_found(stack):
    store = stack.container.secrets
    name = store.put("acc1", KEY)

    store.delete(name)

    with pytest.raises(NotFoundError):
        store.get(name)
    store.delete(name)  # deleting twice is fine
