"""Every key shape of the single table ``HubTable``, in one place.

Tenant (or an account the tenant owns) comes first in every partition key, so a query can never
cross tenants. Access patterns:

=================================  ==================================================================
pattern                            key condition
=================================  ==================================================================
token → tenant                     PK=TOKEN#<sha256>, SK=TOKEN (tenant, name, created, expires, revoked)
tokens by name (list, revoke)      PK=TOKENS, SK=NAME#<name> (no tenant: operator data; names unique,
                                   written in the same transaction as the token item)
accounts of a tenant               PK=TENANT#<t>, SK begins_with ACCOUNT#
one account                        PK=TENANT#<t>, SK=ACCOUNT#<a>
shop URL → the tenant's account    PK=TENANT#<t>, SK=SHOPURL#<sha256 of the normalized shop URL>
                                   (one shop per tenant: written with the account, moved by a URL
                                   change, removed by the delete, each in the same transaction)
account's config (discovery,       PK=ACCOUNT#<a>, SK=DISCOVERY | MAP#<KIND> (one item per kind) |
mappings, settings, templates,     SETTINGS#ORDERS | SETTINGS#FIELDS | TEMPLATE#<id> | CURSOR#ORDERS |
cursor, imports, offers, orders,   IMPORT#<id> | IMPORT#RUNNING | OFFER#<p>#<c> | ORDER#<shop order id> |
reports, logs)                     REPORT#<ts>#<id> | LOG#<ts>#<ulid>
accounts with fetching enabled     GSI1PK=FETCH#ENABLED (sparse: only enabled SETTINGS#ORDERS items)
hub dictionaries                   PK=TENANT#<t>, SK begins_with STATUS# | PAYMENT# | SHIPPING#
dictionary name guards / seed      PK=TENANT#<t>, SK=DICTNAME#<kind>#<name> | SEED#DICTIONARIES
mapping set of one kind            PK=ACCOUNT#<a>, SK=MAP#<PAYMENT|CARRIER|STATUS> (whole set, one item)
hub tenant settings                PK=TENANT#<t>, SK=SETTINGS#TENANT
hub products of a tenant           PK=TENANT#<t>, SK begins_with PRODUCT# (zero-padded ids sort)
product id counter                 PK=TENANT#<t>, SK=COUNTER#PRODUCT
identifier → hub products          PK=TENANT#<t>#IDENT#<EAN|SYMBOL|CATNO>#<value>, SK=PRODUCT#<padded>
                                   (first item = lowest hub id)
offers of a hub product            GSI1PK=PRODUCT#<t>#<hub id>, GSI1SK=OFFER#<a>#<p>#<c>
offers of a hub product (denorm.)  PK=TENANT#<t>, SK=PRODUCT#<padded> → offer_keys [<a>#<p>#<c>, ...]
orders of a tenant (newest first)  GSI1PK=ORDERS#<t>, GSI1SK=PLACED#<placed at>#<padded shop order id>#<a>
                                   (query backwards; see tenant_orders_gsi1sk for older items)
stock movements of an order       PK=ACCOUNT#<a>, SK=MOVE#<shop order id>#SALE | RETURN (exactly-once markers)
items of an import                 PK=IMPORT#<id>, SK begins_with ITEM#
links file job                     PK=ACCOUNT#<a>, SK=LINKJOB#<id>
counted chunks of a links job      PK=LINKJOB#<id>, SK=CHUNK#<n> (counts and rejected lines, once each)
links files in S3 (LinksBucket)    links/<account>/<job>/upload.csv | links/<account>/<job>/report.csv
entries of a report                PK=REPORT#<id>, SK begins_with ENTRY#
activity log of a tenant           PK=TENANT#<t>, SK begins_with LOG# (read backwards: newest first).
(every entry written once here)    Each entry lives here once; one that concerns an account also
                                   carries GSI1PK/GSI1SK (below). Entries written before the tenant
                                   log are here only when they had no account (failed additions).
tenant log of one section          PK=TENANT#<t>#LOG#<section>, SK=LOG#<ts>#<ulid> (a second item per
                                   entry, the same attributes)
account log (also the tenant log   GSI1PK=LOG#<t>#ACCOUNT#<a>, GSI1SK=LOG#<ts>#<ulid> (backwards), merged
filtered by account)               by sort key with PK=ACCOUNT#<a>, SK begins_with LOG# (entries written
                                   before the tenant log, or by a caller that gave no tenant; read
                                   only for an account the tenant owns: it names no tenant); a page
                                   token is the sort key the next page starts below
account log of one section         GSI1PK=LOG#<t>#ACCOUNT#<a>#<section> on the section item
log outcome filter                 a FilterExpression on ``outcome`` over one of the queries above
=================================  ==================================================================

Activity log writes: two items per entry (the entry, its section item) in one BatchWriteItem;
both carry the same ``expires_at`` (TTL). A poll that finds nothing writes no entry: the account's
last poll and last new order are attributes of its poll cursor item (``CURSOR#ORDERS``), set by the
update that releases the poll's lease (no extra write).
"""

from __future__ import annotations

import hashlib

PRODUCT_ID_WIDTH = 12

# partition keys ---------------------------------------------------------------------------------


def token_pk(token_hash: str) -> str:
    return f"TOKEN#{token_hash}"


TOKEN_SK = "TOKEN"
TOKEN_NAMES_PK = "TOKENS"
TOKEN_NAME_PREFIX = "NAME#"


def token_name_sk(name: str) -> str:
    """``PK=TOKENS, SK=NAME#<name>``: a token under its unique name (never the token itself)."""
    return f"{TOKEN_NAME_PREFIX}{name}"


def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def import_pk(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def report_pk(report_id: str) -> str:
    return f"REPORT#{report_id}"


def ident_pk(tenant_id: str, kind: str, value: str) -> str:
    """Identifier index partition; ``kind`` is EAN, SYMBOL or CATNO."""
    return f"TENANT#{tenant_id}#IDENT#{kind.upper()}#{value}"


# sort keys --------------------------------------------------------------------------------------


def account_sk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def connected_shop_sk(shop_identity: str) -> str:
    """``PK=TENANT#<t>, SK=SHOPURL#<sha256>``: the tenant's uniqueness item for one shop
    (``account_id`` names the account connected to it). ``shop_identity`` is the normalized URL
    (``shophub.domain.accounts.shop_identity``); hashed, so any URL length fits a sort key."""
    return "SHOPURL#" + hashlib.sha256(shop_identity.encode("utf-8")).hexdigest()


ACCOUNT_PREFIX = "ACCOUNT#"
DISCOVERY_SK = "DISCOVERY"
ORDER_SETTINGS_SK = "SETTINGS#ORDERS"
FIELD_MAPPING_SK = "SETTINGS#FIELDS"
TENANT_SETTINGS_SK = "SETTINGS#TENANT"
ORDER_CURSOR_SK = "CURSOR#ORDERS"
RUNNING_IMPORT_SK = "IMPORT#RUNNING"
PRODUCT_COUNTER_SK = "COUNTER#PRODUCT"
MAP_PREFIX = "MAP#"
TEMPLATE_PREFIX = "TEMPLATE#"
OFFER_PREFIX = "OFFER#"
ORDER_PREFIX = "ORDER#"
IMPORT_PREFIX = "IMPORT#"
ITEM_PREFIX = "ITEM#"
REPORT_PREFIX = "REPORT#"
ENTRY_PREFIX = "ENTRY#"
LOG_PREFIX = "LOG#"
PRODUCT_PREFIX = "PRODUCT#"

#: The domain's mapping and dictionary kinds (``shophub.domain.config``), spelled out so that this
#: module imports nothing: the authorizer loads it on every cold start.
MAPPING_KINDS = ("PAYMENT", "CARRIER", "STATUS")
DICTIONARY_KINDS = ("STATUS", "PAYMENT", "SHIPPING")


def dictionary_sk(kind: str, entry_id: str) -> str:
    if kind not in DICTIONARY_KINDS:
        raise ValueError(f"unknown dictionary kind {kind!r}")
    return f"{kind}#{entry_id}"


def template_sk(template_id: str) -> str:
    return f"{TEMPLATE_PREFIX}{template_id}"


def padded_product_id(product_id: int) -> str:
    return str(product_id).zfill(PRODUCT_ID_WIDTH)


def product_sk(product_id: int) -> str:
    return f"{PRODUCT_PREFIX}{padded_product_id(product_id)}"


def product_id_from_sk(sk: str) -> int:
    return int(sk.removeprefix(PRODUCT_PREFIX))


def offer_sk(shop_product_id: int, shop_variant_id: int) -> str:
    return f"{OFFER_PREFIX}{shop_product_id}#{shop_variant_id}"


def order_sk(shop_order_id: int) -> str:
    return f"{ORDER_PREFIX}{shop_order_id}"


def import_sk(import_id: str) -> str:
    return f"{IMPORT_PREFIX}{import_id}"


def import_item_sk(shop_product_id: int, shop_variant_id: int | None = None) -> str:
    """Stage-1 items are per product; stage-2 outcomes may be per variant."""
    if shop_variant_id is None:
        return f"{ITEM_PREFIX}{shop_product_id:012d}"
    return f"{ITEM_PREFIX}{shop_product_id:012d}#{shop_variant_id:012d}"


REFUSAL_PREFIX = "REFUSAL#"
#: An account's stock push circuit breaker.
STOCK_BREAKER_SK = "BREAKER#STOCK"
#: An account's order poll circuit breaker.
ORDER_POLL_BREAKER_SK = "BREAKER#ORDERS"


def import_refusal_sk(line: int) -> str:
    """A refused line of an import's catalogue file (in file order)."""
    return f"{REFUSAL_PREFIX}{line:09d}"


def report_sk(at_iso: str, report_id: str) -> str:
    return f"{REPORT_PREFIX}{at_iso}#{report_id}"


def report_entry_sk(index: int) -> str:
    return f"{ENTRY_PREFIX}{index:08d}"


def log_sk(at_iso: str, ulid: str) -> str:
    return f"{LOG_PREFIX}{at_iso}#{ulid}"


def log_section_pk(tenant_id: str, section: str) -> str:
    """``TENANT#<t>#LOG#<section>``: the tenant's entries of one configuration section."""
    return f"TENANT#{tenant_id}#{LOG_PREFIX}{section}"


def account_log_gsi1pk(tenant_id: str, account_id: str, section: str | None = None) -> str:
    """``LOG#<t>#ACCOUNT#<a>`` (every entry of the account) or ``…#<section>`` (one section)."""
    base = f"{LOG_PREFIX}{tenant_id}#ACCOUNT#{account_id}"
    return f"{base}#{section}" if section else base


# GSI1 -------------------------------------------------------------------------------------------

GSI1 = "GSI1"
FETCH_ENABLED_GSI1PK = "FETCH#ENABLED"


def product_offers_gsi1pk(tenant_id: str, hub_product_id: int) -> str:
    return f"PRODUCT#{tenant_id}#{padded_product_id(hub_product_id)}"


def product_offers_gsi1sk(account_id: str, shop_product_id: int, shop_variant_id: int) -> str:
    return f"OFFER#{account_id}#{shop_product_id}#{shop_variant_id}"


def fetch_enabled_gsi1sk(tenant_id: str, account_id: str) -> str:
    return f"{tenant_id}#{account_id}"


def tenant_orders_gsi1pk(tenant_id: str) -> str:
    return f"ORDERS#{tenant_id}"


ORDERS_PLACED_PREFIX = "PLACED#"
SHOP_ORDER_ID_WIDTH = 12


def tenant_orders_gsi1sk(placed_at_iso: str, shop_order_id: int, account_id: str) -> str:
    """``PLACED#<when the order was placed in the shop, ISO UTC>#<shop order id, 12 digits>#<a>``:
    read backwards, the tenant's orders newest first (fixed-width parts sort as they compare;
    orders placed in the same second: the higher shop id first).

    Items written before this shape carry ``<imported at>#<a>#<unpadded shop order id>``. They
    stay readable (same GSI1PK, same table key) and, starting with a digit, sort below every
    ``PLACED#`` key: a list shows them after the re-keyed orders, in their old order. Any later
    write of an order (a status change, a poll that sees it change) rewrites its key in this
    shape; the local stack starts empty at every run, so it never holds old items."""
    return f"{ORDERS_PLACED_PREFIX}{placed_at_iso}#{shop_order_id:0{SHOP_ORDER_ID_WIDTH}d}#{account_id}"


# configuration (mappings, dictionaries) ---------------------------------------------------------

#: ``PK=TENANT#<t>``: written once, in the transaction that seeds a tenant's default dictionaries.
DICTIONARY_SEED_SK = "SEED#DICTIONARIES"


def dictionary_prefix(kind: str) -> str:
    """``STATUS#`` / ``PAYMENT#`` / ``SHIPPING#``: the entries of one hub dictionary."""
    if kind not in DICTIONARY_KINDS:
        raise ValueError(f"unknown dictionary kind {kind!r}")
    return f"{kind}#"


def dictionary_name_sk(kind: str, normalized_name: str) -> str:
    """``PK=TENANT#<t>, SK=DICTNAME#<kind>#<name>``: a name guard, written in the same transaction
    as the entry, so two entries of one dictionary can never share a name."""
    return f"DICTNAME#{kind}#{normalized_name}"


def mapping_set_sk(kind: str) -> str:
    """``PK=ACCOUNT#<a>, SK=MAP#<kind>``: one kind's whole mapping set in one item (``items``:
    shop value → hub id, with ``count`` and an optimistic ``version``), so a replacement is one
    conditional write whatever its size (a set of 100 would not fit one transaction as items)."""
    if kind not in MAPPING_KINDS:
        raise ValueError(f"unknown mapping kind {kind!r}")
    return f"{MAP_PREFIX}{kind}"


# orders: stock movement markers ------------------------------------------------------------------

MOVE_PREFIX = "MOVE#"
MOVE_KINDS = ("SALE", "RETURN")


def stock_move_sk(shop_order_id: int, kind: str) -> str:
    """``PK=ACCOUNT#<a>, SK=MOVE#<shop order id>#<SALE|RETURN>``: written (``attribute_not_exists``)
    in the same transaction as the product stock updates of one order, so each order's stock
    leaves the hub once and comes back at most once."""
    if kind not in MOVE_KINDS:
        raise ValueError(f"unknown stock movement kind {kind!r}")
    return f"{MOVE_PREFIX}{shop_order_id}#{kind}"


# imports and catalogue (identifier claims, item prefixes) ----------------------------------------

#: ``PK=TENANT#<t>#IDENT#<kind>#<value>, SK=CLAIM``: written (attribute_not_exists) in the same
#: transaction as a product an import creates for that unique identifier value, so two chunks
#: racing on one value cannot both create a product; it names the winner.
IDENT_CLAIM_SK = "CLAIM"


# stock: offer references kept on the hub product -------------------------------------------------


def offer_ref(account_id: str, shop_product_id: int, shop_variant_id: int = 0) -> str:
    """``<account>#<shop product>#<variant>``: one entry of ``HubProduct.offer_keys`` (the
    offer's item is ``PK=ACCOUNT#<account>, SK=OFFER#<shop product>#<variant>``)."""
    return f"{account_id}#{shop_product_id}#{shop_variant_id}"


def parse_offer_ref(ref: str) -> tuple[str, int, int]:
    """``(account_id, shop_product_id, shop_variant_id)`` of an :func:`offer_ref`."""
    account_id, product, variant = ref.rsplit("#", 2)
    if not account_id:
        raise ValueError(f"malformed offer reference {ref!r}")
    return account_id, int(product), int(variant)


#: ``PK=ACCOUNT#<a>``: the stock pusher's lease on the account (one run pushes an account at a
#: time) and the products whose shop rows may hold a quantity the hub has not recorded.
STOCK_PUSH_LEASE_SK = "STOCKPUSH#LEASE"


def offer_key_of_ref(ref: str) -> dict[str, str]:
    """The offer item's key for an :func:`offer_ref`."""
    account_id, product, variant = parse_offer_ref(ref)
    return {"PK": account_pk(account_id), "SK": offer_sk(product, variant)}


def import_chunk_sk(chunk: int) -> str:
    """``PK=IMPORT#<id>, SK=CHUNK#<n>``: written once when stage-2 chunk ``n`` is counted."""
    return f"CHUNK#{chunk:06d}"


IMPORT_PLAN_PREFIX = "PLAN#"


def import_plan_sk(chunk: int) -> str:
    """``PK=IMPORT#<id>, SK=PLAN#<n>``: the product ids of stage-2 chunk ``n``, written when stage
    2 starts (chunks are queued a few at a time)."""
    return f"{IMPORT_PLAN_PREFIX}{chunk:06d}"


# links file jobs -----------------------------------------------------------------------------------

LINK_JOB_PREFIX = "LINKJOB#"


def link_job_sk(job_id: str) -> str:
    """``PK=ACCOUNT#<a>, SK=LINKJOB#<id>``: a links file worked through by the importer."""
    return f"{LINK_JOB_PREFIX}{job_id}"


def link_job_pk(job_id: str) -> str:
    return f"{LINK_JOB_PREFIX}{job_id}"


def link_job_chunk_sk(chunk: int) -> str:
    """``PK=LINKJOB#<id>, SK=CHUNK#<n>``: written once when chunk ``n`` of the job is counted."""
    return f"CHUNK#{chunk:06d}"


def links_upload_object(account_id: str, job_id: str) -> str:
    """S3 key (``LinksBucket``) of an uploaded links file a job works through."""
    return f"links/{account_id}/{job_id}/upload.csv"


def links_report_object(account_id: str, job_id: str) -> str:
    """S3 key (``LinksBucket``) of a links job's report (every rejected line with its reason)."""
    return f"links/{account_id}/{job_id}/report.csv"
