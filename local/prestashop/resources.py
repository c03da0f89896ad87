"""What each emulated PrestaShop 8.1 webservice resource looks like.

Field order, JSON value types, ``xlink:href`` targets, ``notFilterable`` flags, association
shapes and listing orders are copied from the responses recorded on a real 8.1.2 shop
(``shared/fixtures/prestashop-8.1.2``, and the full dump ``shared/fixtures/prestashop-8.1.2-demo``).
Field kinds decide how a value is stored and therefore which JSON type it has in a GET answer:

* ``INT``   PHP int             → JSON number         (ids, quantities, counters)
* ``INTN``  int, or "" for NULL → JSON number or ""    (configuration scope columns: 8.1.2 renders
  their NULL as an empty string)
* ``BOOL``  "0"/"1" string      → JSON string          (flags)
* ``BOOLN`` "1" or ""           → JSON string          (``combinations.default_on``)
* ``STR``   string
* ``D6`` / ``D3`` / ``D2``      decimal string with 6 / 3 / 2 places ("61.800000")
* ``DATE``  "Y-m-d H:i:s", empty is "0000-00-00 00:00:00"
* ``DAY``   "Y-m-d", empty is "0000-00-00"
* ``LANG``  multi-language: ``{language_id: text}``
* ``NULL``  always NULL in this version (``products.new``)
"""

from __future__ import annotations

from dataclasses import dataclass, field

INT = "int"
INTN = "intn"
BOOL = "bool"
BOOLN = "booln"
STR = "str"
D6 = "d6"
D3 = "d3"
D2 = "d2"
DATE = "date"
DAY = "day"
LANG = "lang"
NULL = "null"

EMPTY_DATE = "0000-00-00 00:00:00"
EMPTY_DAY = "0000-00-00"
NUMERIC_KINDS = frozenset({INT, INTN, D6, D3, D2})
ALL_METHODS = frozenset({"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD"})


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = STR
    xlink: str | None = None  # target resource, or a template with {id}/{value}
    not_filterable: bool = False
    required: bool = False
    read_only: bool = False
    max_size: int | None = None
    format: str | None = None
    link_zero: bool = False  # the link is written for 0 too (others are linked only when non-empty)

    def default(self) -> object:
        return KIND_DEFAULTS[self.kind]() if self.kind in KIND_DEFAULTS else None


KIND_DEFAULTS = {
    INT: lambda: 0,
    INTN: lambda: "",
    BOOL: lambda: "0",
    BOOLN: lambda: "",
    STR: lambda: "",
    D6: lambda: "0.000000",
    D3: lambda: "0.000",
    D2: lambda: "0.00",
    DATE: lambda: EMPTY_DATE,
    DAY: lambda: EMPTY_DAY,
    NULL: lambda: None,
}


@dataclass(frozen=True)
class Association:
    name: str
    node_type: str
    api: str | None  # None for virtual entities (order_rows)
    fields: tuple[Field, ...] = (Field("id", INT),)
    item_xlink: str | None = None  # template: {id} item id, {product} owning product id
    virtual: bool = False


@dataclass(frozen=True)
class Resource:
    name: str
    singular: str
    fields: tuple[Field, ...]
    associations: tuple[Association, ...] = ()
    forbidden_methods: frozenset[str] = frozenset()
    class_name: str = ""
    # Lists without ``sort`` come in the order of the index MySQL reads (recorded): these fields, then id.
    list_order: tuple[str, ...] = ()
    fields_by_name: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.fields_by_name.update({f.name: f for f in self.fields})

    @property
    def has_date_add(self) -> bool:
        return "date_add" in self.fields_by_name

    @property
    def has_date_upd(self) -> bool:
        return "date_upd" in self.fields_by_name

    def association(self, name: str) -> Association | None:
        return next((a for a in self.associations if a.name == name), None)


def _ids(*names: str, kind: str = INT) -> tuple[Field, ...]:
    return tuple(Field(n, kind) for n in names)


def _x(name: str, target: str, kind: str = INT, **kw: object) -> Field:
    return Field(name, kind, xlink=target, **kw)  # type: ignore[arg-type]


def _assoc(name: str, node: str, api: str, *extra: Field, xlink: str | None = None) -> Association:
    return Association(name, node, api, (Field("id", INT), *extra), item_xlink=xlink or api + "/{id}")


PRODUCTS = Resource(
    "products",
    "product",
    (
        Field("id", INT),
        _x("id_manufacturer", "manufacturers"),
        _x("id_supplier", "suppliers"),
        _x("id_category_default", "categories"),
        Field("new", NULL),
        Field("cache_default_attribute", INT),
        _x("id_default_image", "images/products/{id}", not_filterable=True),
        _x("id_default_combination", "combinations", not_filterable=True),
        _x("id_tax_rules_group", "tax_rule_groups"),
        Field("position_in_category", INT, not_filterable=True),
        Field("manufacturer_name", STR, not_filterable=True, read_only=True),
        Field("quantity", INT, not_filterable=True, read_only=True),
        Field("type", STR, not_filterable=True),
        Field("id_shop_default", INT),
        Field("reference"),
        Field("supplier_reference"),
        Field("location"),
        Field("width", D6),
        Field("height", D6),
        Field("depth", D6),
        Field("weight", D6),
        Field("quantity_discount", BOOL),
        Field("ean13"),
        Field("isbn"),
        Field("upc"),
        Field("mpn"),
        Field("cache_is_pack", BOOL),
        Field("cache_has_attachments", BOOL),
        Field("is_virtual", BOOL),
        Field("state", INT),
        Field("additional_delivery_times", INT),
        Field("delivery_in_stock", LANG),
        Field("delivery_out_stock", LANG),
        Field("product_type"),
        Field("on_sale", BOOL),
        Field("online_only", BOOL),
        Field("ecotax", D6),
        Field("minimal_quantity", INT),
        Field("low_stock_threshold", INT),
        Field("low_stock_alert", BOOL),
        Field("price", D6, required=True),
        Field("wholesale_price", D6),
        Field("unity"),
        Field("unit_price", D6),
        Field("unit_price_ratio", D6),
        Field("additional_shipping_cost", D6),
        Field("customizable", INT),
        Field("text_fields", INT),
        Field("uploadable_files", INT),
        Field("active", BOOL),
        Field("redirect_type"),
        Field("id_type_redirected", INT),
        Field("available_for_order", BOOL),
        Field("available_date", DAY),
        Field("show_condition", BOOL),
        Field("condition"),
        Field("show_price", BOOL),
        Field("indexed", BOOL),
        Field("visibility"),
        Field("advanced_stock_management", BOOL),
        Field("date_add", DATE),
        Field("date_upd", DATE),
        Field("pack_stock_type", INT),
        Field("meta_description", LANG),
        Field("meta_keywords", LANG),
        Field("meta_title", LANG),
        Field("link_rewrite", LANG),
        Field("name", LANG, required=True),
        Field("description", LANG),
        Field("description_short", LANG),
        Field("available_now", LANG),
        Field("available_later", LANG),
    ),
    (
        _assoc("categories", "category", "categories"),
        _assoc("images", "image", "images", xlink="images/products/{product}/{id}"),
        _assoc("combinations", "combination", "combinations"),
        _assoc("product_option_values", "product_option_value", "product_option_values"),
        _assoc(
            "product_features",
            "product_feature",
            "product_features",
            _x("id_feature_value", "product_feature_values"),
        ),
        _assoc("tags", "tag", "tags"),
        _assoc("stock_availables", "stock_available", "stock_availables", Field("id_product_attribute", INT)),
        _assoc("attachments", "attachment", "attachments"),
        _assoc("accessories", "product", "products"),
        Association(  # items without links
            "product_bundle",
            "product",
            "products",
            (Field("id", INT), Field("id_product_attribute", INT), Field("quantity", INT)),
        ),
    ),
    class_name="Product",
)

COMBINATIONS = Resource(
    "combinations",
    "combination",
    (
        Field("id", INT),
        _x("id_product", "products", required=True),
        Field("ean13"),
        Field("isbn"),
        Field("upc"),
        Field("mpn"),
        Field("reference"),
        Field("supplier_reference"),
        Field("wholesale_price", D6),
        Field("price", D6),
        Field("ecotax", D6),
        Field("weight", D6),
        Field("unit_price_impact", D6),
        Field("minimal_quantity", INT, required=True),
        Field("low_stock_threshold", INT),
        Field("low_stock_alert", BOOL),
        Field("default_on", BOOLN),
        Field("available_date", DAY),
        Field("available_now", LANG),
        Field("available_later", LANG),
    ),
    (
        _assoc("product_option_values", "product_option_value", "product_option_values"),
        Association(
            "images",
            "image",
            "images/products",
            item_xlink="images/products/{product}/{id}",
        ),
    ),
    class_name="Combination",
)

PRODUCT_OPTION_VALUES = Resource(
    "product_option_values",
    "product_option_value",
    (
        Field("id", INT),
        _x("id_attribute_group", "product_options", required=True),
        Field("color"),
        Field("position", INT),
        Field("name", LANG, required=True),
    ),
    class_name="ProductAttribute",
)

STOCK_AVAILABLES = Resource(
    "stock_availables",
    "stock_available",
    (
        Field("id", INT),
        _x("id_product", "products", required=True),
        _x("id_product_attribute", "combinations", required=True),
        _x("id_shop", "shops"),
        Field("id_shop_group", INT),
        Field("quantity", INT, required=True),
        Field("depends_on_stock", BOOL, required=True),
        Field("out_of_stock", INT, required=True),
        Field("location"),
    ),
    forbidden_methods=frozenset({"POST", "DELETE"}),
    class_name="StockAvailable",
)

ORDER_ROW_FIELDS = (
    Field("id", INT),
    _x("product_id", "products"),
    Field("product_attribute_id", INT),
    Field("product_quantity", INT),
    Field("product_name"),
    Field("product_reference"),
    Field("product_ean13"),
    Field("product_isbn"),
    Field("product_upc"),
    Field("product_price", D6),
    _x("id_customization", "customizations"),
    Field("unit_price_tax_incl", D6),
    Field("unit_price_tax_excl", D6),
)

ORDERS = Resource(
    "orders",
    "order",
    (
        Field("id", INT),
        _x("id_address_delivery", "addresses", required=True),
        _x("id_address_invoice", "addresses", required=True),
        _x("id_cart", "carts", required=True),
        _x("id_currency", "currencies", required=True),
        _x("id_lang", "languages", required=True),
        _x("id_customer", "customers", required=True),
        _x("id_carrier", "carriers", required=True),
        _x("current_state", "order_states"),
        Field("module", required=True),
        Field("invoice_number", INT),
        Field("invoice_date", DATE),
        Field("delivery_number", INT),
        Field("delivery_date", DATE),
        Field("valid", BOOL),
        Field("date_add", DATE),
        Field("date_upd", DATE),
        Field("shipping_number", STR, not_filterable=True),
        Field("note"),
        Field("id_shop_group", INT),
        Field("id_shop", INT),
        Field("secure_key"),
        Field("payment", required=True),
        Field("recyclable", BOOL),
        Field("gift", BOOL),
        Field("gift_message"),
        Field("mobile_theme", BOOL),
        Field("total_discounts", D6),
        Field("total_discounts_tax_incl", D6),
        Field("total_discounts_tax_excl", D6),
        Field("total_paid", D6, required=True),
        Field("total_paid_tax_incl", D6),
        Field("total_paid_tax_excl", D6),
        Field("total_paid_real", D6, required=True),
        Field("total_products", D6, required=True),
        Field("total_products_wt", D6, required=True),
        Field("total_shipping", D6),
        Field("total_shipping_tax_incl", D6),
        Field("total_shipping_tax_excl", D6),
        Field("carrier_tax_rate", D3),
        Field("total_wrapping", D6),
        Field("total_wrapping_tax_incl", D6),
        Field("total_wrapping_tax_excl", D6),
        Field("round_mode", INT),
        Field("round_type", INT),
        Field("conversion_rate", D6, required=True),
        Field("reference"),
    ),
    (Association("order_rows", "order_row", None, ORDER_ROW_FIELDS, virtual=True),),
    class_name="Order",
)

ORDER_DETAILS = Resource(
    "order_details",
    "order_detail",
    (
        Field("id", INT),
        _x("id_order", "orders", required=True),
        _x("product_id", "products"),
        _x("product_attribute_id", "combinations", link_zero=True),
        Field("product_quantity_reinjected", INT),
        Field("group_reduction", D2),
        Field("discount_quantity_applied", INT),
        Field("download_hash"),
        Field("download_deadline", DATE),
        _x("id_order_invoice", "order_invoices"),
        _x("id_warehouse", "warehouses"),
        Field("id_shop", INT),
        _x("id_customization", "customizations"),
        Field("product_name", required=True),
        Field("product_quantity", INT, required=True),
        Field("product_quantity_in_stock", INT),
        Field("product_quantity_return", INT),
        Field("product_quantity_refunded", INT),
        Field("product_price", D6, required=True),
        Field("reduction_percent", D2),
        Field("reduction_amount", D6),
        Field("reduction_amount_tax_incl", D6),
        Field("reduction_amount_tax_excl", D6),
        Field("product_quantity_discount", D6),
        Field("product_ean13"),
        Field("product_isbn"),
        Field("product_upc"),
        Field("product_mpn"),
        Field("product_reference"),
        Field("product_supplier_reference"),
        Field("product_weight", D6),
        Field("tax_computation_method", INT),
        _x("id_tax_rules_group", "tax_rule_groups"),
        Field("ecotax", D6),
        Field("ecotax_tax_rate", D3),
        Field("download_nb", INT),
        Field("unit_price_tax_incl", D6),
        Field("unit_price_tax_excl", D6),
        Field("total_price_tax_incl", D6),
        Field("total_price_tax_excl", D6),
        Field("total_shipping_price_tax_excl", D6),
        Field("total_shipping_price_tax_incl", D6),
        Field("purchase_supplier_price", D6),
        Field("original_product_price", D6),
        Field("original_wholesale_price", D6),
        Field("total_refunded_tax_excl", D6),
        Field("total_refunded_tax_incl", D6),
    ),
    (_assoc("taxes", "tax", "taxes"),),
    class_name="OrderDetail",
)

ORDER_STATES = Resource(
    "order_states",
    "order_state",
    (
        Field("id", INT),
        Field("unremovable", BOOL),
        Field("delivery", BOOL),
        Field("hidden", BOOL),
        Field("send_email", BOOL),
        Field("module_name"),
        Field("invoice", BOOL),
        Field("color"),
        Field("logable", BOOL),
        Field("shipped", BOOL),
        Field("paid", BOOL),
        Field("pdf_delivery", BOOL),
        Field("pdf_invoice", BOOL),
        Field("deleted", BOOL),
        Field("name", LANG, required=True),
        Field("template", LANG),
    ),
    class_name="OrderState",
    list_order=("module_name",),
)

ORDER_HISTORIES = Resource(
    "order_histories",
    "order_history",
    (
        Field("id", INT),
        _x("id_employee", "employees"),
        _x("id_order_state", "order_states", required=True),
        _x("id_order", "orders", required=True),
        Field("date_add", DATE),
    ),
    class_name="OrderHistory",
    list_order=("id_order",),
)

ORDER_CARRIERS = Resource(
    "order_carriers",
    "order_carrier",
    (
        Field("id", INT),
        _x("id_order", "orders", required=True),
        _x("id_carrier", "carriers", required=True),
        _x("id_order_invoice", "order_invoices"),
        Field("weight", D6),
        Field("shipping_cost_tax_excl", D6),
        Field("shipping_cost_tax_incl", D6),
        Field("tracking_number"),
        Field("date_add", DATE),
    ),
    class_name="OrderCarrier",
)

CARRIERS = Resource(
    "carriers",
    "carrier",
    (
        Field("id", INT),
        Field("deleted", BOOL),
        Field("is_module", BOOL),
        _x("id_tax_rules_group", "tax_rule_groups", not_filterable=True),
        Field("id_reference", INT),
        Field("name", required=True),
        Field("active", BOOL, required=True),
        Field("is_free", BOOL),
        Field("url"),
        Field("shipping_handling", BOOL),
        Field("shipping_external", BOOL),
        Field("range_behavior", BOOL),
        Field("shipping_method", INT),
        Field("max_width", INT),
        Field("max_height", INT),
        Field("max_depth", INT),
        Field("max_weight", D6),
        Field("grade", INT),
        Field("external_module_name"),
        Field("need_range", BOOL),
        Field("position", INT),
        Field("delay", LANG, required=True),
    ),
    class_name="Carrier",
)

CUSTOMERS = Resource(
    "customers",
    "customer",
    (
        Field("id", INT),
        _x("id_default_group", "groups"),
        _x("id_lang", "languages"),
        Field("newsletter_date_add", DATE),
        Field("ip_registration_newsletter"),
        Field("last_passwd_gen", STR, read_only=True),
        Field("secure_key", STR, read_only=True),
        Field("deleted", BOOL),
        Field("passwd", required=True),
        Field("lastname", required=True),
        Field("firstname", required=True),
        Field("email", required=True),
        Field("id_gender", INT),
        Field("birthday", DAY),
        Field("newsletter", BOOL),
        Field("optin", BOOL),
        Field("website"),
        Field("company"),
        Field("siret"),
        Field("ape"),
        Field("outstanding_allow_amount", D6),
        Field("show_public_prices", BOOL),
        Field("id_risk", INT),
        Field("max_payment_days", INT),
        Field("active", BOOL),
        Field("note"),
        Field("is_guest", BOOL),
        Field("id_shop", INT),
        Field("id_shop_group", INT),
        Field("date_add", DATE),
        Field("date_upd", DATE),
        Field("reset_password_token"),
        Field("reset_password_validity", DATE),
    ),
    (_assoc("groups", "group", "groups"),),
    class_name="Customer",
)

ADDRESSES = Resource(
    "addresses",
    "address",
    (
        Field("id", INT),
        _x("id_customer", "customers"),
        _x("id_manufacturer", "manufacturers"),
        _x("id_supplier", "suppliers"),
        _x("id_warehouse", "warehouses"),
        _x("id_country", "countries", required=True),
        _x("id_state", "states"),
        Field("alias", required=True),
        Field("company"),
        Field("lastname", required=True),
        Field("firstname", required=True),
        Field("vat_number"),
        Field("address1", required=True),
        Field("address2"),
        Field("postcode"),
        Field("city", required=True),
        Field("other"),
        Field("phone"),
        Field("phone_mobile"),
        Field("dni"),
        Field("deleted", BOOL),
        Field("date_add", DATE),
        Field("date_upd", DATE),
    ),
    class_name="Address",
    list_order=("id_customer",),
)

CONFIGURATIONS = Resource(
    "configurations",
    "configuration",
    (
        Field("id", INT),
        Field("value"),
        Field("name", required=True),
        _x("id_shop_group", "shop_groups", kind=INTN),
        _x("id_shop", "shops", kind=INTN),
        Field("date_add", DATE),
        Field("date_upd", DATE),
    ),
    class_name="Configuration",
)

SHOPS = Resource(
    "shops",
    "shop",
    (
        Field("id", INT),
        _x("id_shop_group", "shop_groups"),
        Field("id_category", INT),
        Field("active", INT),
        Field("deleted", INT),
        Field("name", required=True),
        Field("color"),
        Field("theme_name"),
    ),
    class_name="Shop",
)

CURRENCIES = Resource(
    "currencies",
    "currency",
    (
        Field("id", INT),
        Field("names", LANG),
        Field("name", STR, not_filterable=True),
        Field("symbol", LANG),
        Field("iso_code", required=True),
        Field("numeric_iso_code"),
        Field("precision", INT),
        Field("conversion_rate", D6, required=True),
        Field("deleted", INT),
        Field("active", INT),
        Field("unofficial", INT),
        Field("modified", INT),
        Field("pattern", LANG),
    ),
    class_name="Currency",
)

_UID = "isUnsignedId"

CUSTOMER_THREADS = Resource(
    "customer_threads",
    "customer_thread",
    (
        Field("id", INT),
        _x("id_lang", "languages", required=True, format=_UID),
        _x("id_shop", "shops", format=_UID),
        _x("id_customer", "customers", format=_UID),
        _x("id_order", "orders", format=_UID),
        _x("id_product", "products", format=_UID),
        _x("id_contact", "contacts", required=True, format=_UID),
        Field("email", max_size=255, format="isEmail"),
        Field("token", required=True, format="isGenericName"),
        Field("status"),
        Field("date_add", DATE, format="isDate"),
        Field("date_upd", DATE, format="isDate"),
    ),
    (_assoc("customer_messages", "customer_message", "customer_messages"),),
    class_name="CustomerThread",
)

CUSTOMER_MESSAGES = Resource(
    "customer_messages",
    "customer_message",
    (
        Field("id", INT),
        _x("id_employee", "employees", format=_UID),
        _x("id_customer_thread", "customer_threads"),
        Field("ip_address", max_size=15, format="isIp2Long"),
        Field("message", required=True, max_size=16777216),
        Field("file_name"),
        Field("user_agent"),
        Field("private", BOOL, format="isBool"),
        Field("date_add", DATE, format="isDate"),
        Field("date_upd", DATE, format="isDate"),
        Field("read", BOOL, format="isBool"),
    ),
    class_name="CustomerMessage",
)

LANGUAGES = Resource(
    "languages",
    "language",
    (
        Field("id", INT),
        Field("name", required=True),
        Field("iso_code", required=True),
        Field("locale"),
        Field("language_code"),
        Field("active", BOOL),
        Field("is_rtl", BOOL),
        Field("date_format_lite"),
        Field("date_format_full"),
    ),
    class_name="Language",
)

PRODUCT_OPTIONS = Resource(
    "product_options",
    "product_option",
    (
        Field("id", INT),
        Field("is_color_group", BOOL, required=True),
        Field("group_type", required=True),
        Field("position", INT),
        Field("name", LANG, required=True),
        Field("public_name", LANG, required=True),
    ),
    (_assoc("product_option_values", "product_option_value", "product_option_values"),),
    class_name="AttributeGroup",
)

COUNTRIES = Resource(
    "countries",
    "country",
    (
        Field("id", INT),
        _x("id_zone", "zones", required=True),
        _x("id_currency", "currencies"),
        Field("call_prefix", INT),
        Field("iso_code", required=True),
        Field("active", BOOL),
        Field("contains_states", BOOL, required=True),
        Field("need_identification_number", BOOL, required=True),
        Field("need_zip_code", BOOL),
        Field("zip_code_format"),
        Field("display_tax_label", BOOL, required=True),
        Field("name", LANG, required=True),
    ),
    class_name="Country",
)

TAX_RULES = Resource(
    "tax_rules",
    "tax_rule",
    (
        Field("id", INT),
        _x("id_tax_rules_group", "tax_rule_groups", required=True),
        _x("id_state", "states"),
        _x("id_country", "countries", required=True),
        Field("zipcode_from"),
        Field("zipcode_to"),
        Field("id_tax", INT, required=True),
        Field("behavior", INT),
        Field("description"),
    ),
    class_name="TaxRule",
)

CATEGORIES = Resource(
    "categories",
    "category",
    (
        Field("id", INT),
        _x("id_parent", "categories"),
        Field("level_depth", INT),
        Field("nb_products_recursive", INT, not_filterable=True, read_only=True),
        Field("active", BOOL, required=True),
        Field("id_shop_default", INT),
        Field("is_root_category", BOOL),
        Field("position", INT),
        Field("date_add", DATE),
        Field("date_upd", DATE),
        Field("name", LANG, required=True),
        Field("link_rewrite", LANG, required=True),
        Field("description", LANG),
        Field("additional_description", LANG),
        Field("meta_title", LANG),
        Field("meta_description", LANG),
        Field("meta_keywords", LANG),
    ),
    (_assoc("categories", "category", "categories"), _assoc("products", "product", "products")),
    class_name="Category",
    list_order=("id_parent",),
)

MANUFACTURERS = Resource(
    "manufacturers",
    "manufacturer",
    (
        Field("id", INT),
        Field("active", BOOL),
        Field("link_rewrite", STR, not_filterable=True, read_only=True),
        Field("name", required=True),
        Field("date_add", DATE),
        Field("date_upd", DATE),
        Field("description", LANG),
        Field("short_description", LANG),
        Field("meta_title", LANG),
        Field("meta_description", LANG),
        Field("meta_keywords", LANG),
    ),
    (Association("addresses", "address", "addresses", (_x("id", "addresses"),), item_xlink="addresses/{id}"),),
    class_name="Manufacturer",
)

SUPPLIERS = Resource(
    "suppliers",
    "supplier",
    (
        Field("id", INT),
        Field("link_rewrite"),
        Field("name", required=True),
        Field("active", BOOL),
        Field("date_add", DATE),
        Field("date_upd", DATE),
        Field("description", LANG),
        Field("meta_title", LANG),
        Field("meta_description", LANG),
        Field("meta_keywords", LANG),
    ),
    class_name="Supplier",
)

PRODUCT_SUPPLIERS = Resource(
    "product_suppliers",
    "product_supplier",
    (
        Field("id", INT),
        _x("id_product", "products", required=True),
        _x("id_product_attribute", "combinations", required=True),
        _x("id_supplier", "suppliers", required=True),
        _x("id_currency", "currencies"),
        Field("product_supplier_reference"),
        Field("product_supplier_price_te", D6),
    ),
    class_name="ProductSupplier",
    list_order=("id_supplier", "id_product"),
)

CART_ROW_FIELDS = (
    _x("id_product", "products", required=True),
    _x("id_product_attribute", "combinations", required=True),
    _x("id_address_delivery", "addresses", required=True),
    _x("id_customization", "customizations"),
    Field("quantity", INT, required=True),
)

CARTS = Resource(
    "carts",
    "cart",
    (
        Field("id", INT),
        _x("id_address_delivery", "addresses"),
        _x("id_address_invoice", "addresses"),
        _x("id_currency", "currencies", required=True),
        _x("id_customer", "customers"),
        _x("id_guest", "guests"),
        _x("id_lang", "languages", required=True),
        Field("id_shop_group", INT),
        Field("id_shop", INT),
        Field("id_carrier", INT),
        Field("recyclable", BOOL),
        Field("gift", BOOL),
        Field("gift_message"),
        Field("mobile_theme", BOOL),
        Field("delivery_option"),
        Field("secure_key"),
        Field("allow_seperated_package", BOOL),
        Field("date_add", DATE),
        Field("date_upd", DATE),
    ),
    (Association("cart_rows", "cart_row", None, CART_ROW_FIELDS, virtual=True),),
    class_name="Cart",
)

RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        ADDRESSES,
        CARRIERS,
        CARTS,
        CATEGORIES,
        COMBINATIONS,
        CONFIGURATIONS,
        COUNTRIES,
        CURRENCIES,
        CUSTOMER_MESSAGES,
        CUSTOMER_THREADS,
        CUSTOMERS,
        LANGUAGES,
        MANUFACTURERS,
        ORDER_CARRIERS,
        ORDER_DETAILS,
        ORDER_HISTORIES,
        ORDER_STATES,
        ORDERS,
        PRODUCT_OPTION_VALUES,
        PRODUCT_OPTIONS,
        PRODUCT_SUPPLIERS,
        PRODUCTS,
        SHOPS,
        STOCK_AVAILABLES,
        SUPPLIERS,
        TAX_RULES,
    )
}

# Every resource of a stock 8.1.2 shop, with the description shown by ``GET /api/`` and whether the
# root lists schema links for it (fixture 01). Resources missing from RESOURCES answer empty lists.
CATALOGUE: tuple[tuple[str, str, bool], ...] = (
    ("addresses", "The Customer, Brand and Customer addresses", True),
    ("attachments", "The product Attachments", False),
    ("carriers", "The Carriers", True),
    ("cart_rules", "Cart rules management", True),
    ("carts", "Customer's carts", True),
    ("categories", "The product categories", True),
    ("combinations", "The product combinations", True),
    ("configurations", "Shop configuration", True),
    ("contacts", "Shop contacts", True),
    ("content_management_system", "Content management system", True),
    ("countries", "The countries", True),
    ("currencies", "The currencies", True),
    ("customer_messages", "Customer services messages", True),
    ("customer_threads", "Customer services threads", True),
    ("customers", "The e-shop's customers", True),
    ("customizations", "Customization values", True),
    ("deliveries", "Product delivery", True),
    ("employees", "The Employees", True),
    ("groups", "The customer's groups", True),
    ("guests", "The guests", True),
    ("image_types", "The image types", True),
    ("images", "The images", False),
    ("languages", "Shop languages", True),
    ("manufacturers", "The product brands", True),
    ("messages", "The Messages", True),
    ("order_carriers", "The Order carriers", True),
    ("order_cart_rules", "The Order cart rules", True),
    ("order_details", "Details of an order", True),
    ("order_histories", "The Order histories", True),
    ("order_invoices", "The Order invoices", True),
    ("order_payments", "The Order payments", True),
    ("order_slip", "The Order slips", True),
    ("order_states", "The Order statuses", True),
    ("orders", "The Customers orders", True),
    ("price_ranges", "Price ranges", True),
    ("product_customization_fields", "Customization Field", True),
    ("product_feature_values", "The product feature values", True),
    ("product_features", "The product features", True),
    ("product_option_values", "The product options value", True),
    ("product_options", "The product options", True),
    ("product_suppliers", "Product Suppliers", True),
    ("products", "The products", True),
    ("search", "Search", False),
    ("shop_groups", "Shop groups from multi-shop feature", True),
    ("shop_urls", "Shop URLs from multi-shop feature", True),
    ("shops", "Shops from multi-shop feature", True),
    ("specific_price_rules", "Specific price management", True),
    ("specific_prices", "Specific price management", True),
    ("states", "The available states of countries", True),
    ("stock_availables", "Available quantities", True),
    ("stock_movement_reasons", "Stock movement reason", True),
    ("stock_movements", "Stock movements", True),
    ("stocks", "Stocks", True),
    ("stores", "The stores", True),
    ("suppliers", "The product suppliers", True),
    ("supply_order_details", "Supply Order Details", True),
    ("supply_order_histories", "Supply Order Histories", True),
    ("supply_order_receipt_histories", "Supply Order Receipt Histories", True),
    ("supply_order_states", "Supply Order Statuses", True),
    ("supply_orders", "Supply Orders", True),
    ("tags", "The Products tags", True),
    ("tax_rule_groups", "Tax rule groups", True),
    ("tax_rules", "Tax rules entity", True),
    ("taxes", "The tax rate", True),
    ("translated_configurations", "Shop configuration", True),
    ("warehouse_product_locations", "Location of products in warehouses", True),
    ("warehouses", "Warehouses", True),
    ("weight_ranges", "Weight ranges", True),
    ("zones", "The Countries zones", True),
)
CATALOGUE_NAMES: tuple[str, ...] = tuple(name for name, _, _ in CATALOGUE)

# Values a freshly stored record gets for fields the writer left out (beyond the kind defaults).
STORED_DEFAULTS: dict[str, dict[str, object]] = {
    "products": {
        "type": "simple",
        "id_shop_default": 1,
        "state": 1,
        "additional_delivery_times": 1,
        "product_type": "standard",
        "minimal_quantity": 1,
        "redirect_type": "default",
        "available_for_order": "1",
        "show_price": "1",
        "condition": "new",
        "visibility": "both",
        "pack_stock_type": 3,
        "active": "0",
    },
    "combinations": {"minimal_quantity": 1},
    "stock_availables": {"out_of_stock": 2},
    "customer_threads": {"status": "open", "id_shop": 1, "id_lang": 1},
    "customers": {"active": "1", "id_default_group": 3, "id_lang": 1, "id_shop": 1, "id_shop_group": 1},
    "orders": {"id_shop": 1, "id_shop_group": 1, "id_lang": 1, "conversion_rate": "1.000000"},
    "carriers": {"shipping_method": 1, "active": "1"},
    "shops": {"active": 1, "id_shop_group": 1},
    "currencies": {"active": 1, "precision": 2},
    "languages": {"active": "1"},
}

# What the in-memory object of a just-created record holds before it is saved: the answer to a
# POST shows these for fields the body left out (everything else is empty), see fixture 16.
POST_DEFAULTS: dict[str, dict[str, object]] = {
    "products": {"type": "simple", "id_shop_default": "1", "condition": "new", "id_default_combination": "0"},
}
