"""One webservice request in, one response out: PrestaShop 8.1's dispatcher without the HTTP server.

Order of checks (as ``webservice/dispatcher.php`` and ``WebserviceRequest`` do it): credentials
present → webservice enabled → key format → key known → resource exists → resource granted →
method valid for the version → method allowed on the resource → method granted to the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from local.prestashop.data import Record, ShopData, normalize
from local.prestashop.errors import NotFound, WebserviceError, WriteError, php_warning
from local.prestashop.query import (
    Display,
    Filter,
    did_you_mean_message,
    parse_languages,
    parse_list_query,
    select,
)
from local.prestashop.render import Renderer, json_errors, to_json, xml_document, xml_errors
from local.prestashop.resources import (
    ALL_METHODS,
    CATALOGUE,
    CATALOGUE_NAMES,
    LANG,
    POST_DEFAULTS,
    RESOURCES,
    Resource,
)

Permissions = dict[str, set[str]]

REALM = (
    'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as the login. '
    'No password required."'
)
XML_TYPE = ("Content-type", "text/xml;charset=utf-8")
JSON_TYPE = ("Content-Type", "application/json")
VALID_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
DERIVED_ASSOCIATIONS = {
    ("products", "combinations"),
    ("products", "stock_availables"),
    ("products", "product_option_values"),
    ("orders", "order_rows"),
    ("customer_threads", "customer_messages"),
}
WAF_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head><body>\n"
    "<h1>Forbidden</h1>\n<p>You don't have permission to access this resource.</p>\n"
    "<p>Request blocked by the web application firewall (rule 911100: method is not allowed by policy).</p>\n"
    "</body></html>\n"
)


@dataclass
class WsRequest:
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass
class WsResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


@dataclass
class EntityNode:
    """One ``<stock_available>``-like element of a request body."""

    fields: dict[str, Any]
    associations: dict[str, list[dict[str, str]]]


def all_permissions() -> Permissions:
    return {name: set(ALL_METHODS) for name in CATALOGUE_NAMES}


def parse_body(raw: bytes) -> list[EntityNode]:
    text = raw.decode("utf-8", errors="replace")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise _xml_error(text, str(exc)) from None
    if root.tag != "prestashop":
        raise WebserviceError(400, [(127, f"XML error : the root element must be <prestashop>, not <{root.tag}>")])
    nodes = []
    for element in root:
        fields: dict[str, Any] = {}
        associations: dict[str, list[dict[str, str]]] = {}
        for child in element:
            if child.tag == "associations":
                for assoc in child:
                    associations[assoc.tag] = [{sub.tag: (sub.text or "") for sub in item} for item in assoc]
            elif len(child) and all(sub.tag == "language" for sub in child):
                fields[child.tag] = {
                    int(lang): (sub.text or "") for sub in child if (lang := sub.get("id", "")).isdigit()
                }
            else:
                fields[child.tag] = child.text or ""
        nodes.append(EntityNode(fields, associations))
    if not nodes:
        raise WebserviceError(400, [(127, "XML error : no entity found in the request body")])
    return nodes


def _xml_error(text: str, reason: str) -> WebserviceError:
    """What PHP's SimpleXMLElement reports for a body that is not XML (fixture 08)."""
    if not text.lstrip().startswith("<"):
        first_line = text.splitlines()[0] if text else ""
        warnings = [
            "SimpleXMLElement::__construct(): Entity: line 1: parser error : Start tag expected, '<' not found",
            f"SimpleXMLElement::__construct(): {first_line}",
            "SimpleXMLElement::__construct(): ^",
        ]
    else:
        warnings = [f"SimpleXMLElement::__construct(): Entity: {reason}"]
    message = f"XML error : String could not be parsed as XML\nXML length : {len(text)}\nOriginal XML : {text}"
    return WebserviceError(500, [*(php_warning(w, 1544) for w in warnings), (127, message)])


def _url_id(segments: list[str]) -> int | None:
    """The record id of ``/api/<resource>/<id>`` (None without one); a non-numeric id is not found."""
    if len(segments) < 2:
        return None
    try:
        return int(segments[1])
    except ValueError:
        raise NotFound from None


def _check_writable(resource: Resource, node: EntityNode) -> None:
    """Refuse a body naming a field the resource does not have or does not let clients write."""
    for name in node.fields:
        spec = resource.fields_by_name.get(name)
        if spec is None:
            raise WriteError(400, 123, f'Parameter "{name}" can\'t be set to the object "{resource.class_name}"')
        if spec.read_only:
            raise WriteError(400, 93, f'parameter "{name}" not writable. Please remove this attribute of this XML')


def _body_id(node: EntityNode, url_id: int | None) -> int:
    """The id of the record an update names in its body, checked against the URL's."""
    raw_id = str(node.fields.get("id", "")).strip()
    if not raw_id:
        raise WriteError(400, 90, "Id is required when modifying a resource")
    try:
        rid = int(raw_id)
    except ValueError:
        raise WriteError(404, 92, "Invalid ID") from None
    if url_id is not None and rid != url_id:
        raise WriteError(400, 89, f"Invalid ID: {rid} in the body does not match {url_id} in the URL")
    return rid


def _posted_values(resource: Resource, node: EntityNode, new_id: int) -> tuple[Record, Record]:
    """The view (what the answer shows) and the values (what is stored) of a POSTed record."""
    view: Record = {spec.name: None for spec in resource.fields}
    view.update(POST_DEFAULTS.get(resource.name, {}))
    values: Record = {"id": new_id}
    for name, raw in node.fields.items():
        if name == "id":
            continue
        spec = resource.fields_by_name[name]
        values[name] = normalize(spec, raw)
        if spec.kind == LANG and isinstance(raw, dict):
            # languages the body left out were never set on the new object
            view[name] = {lang: text if lang in raw else None for lang, text in values[name].items()}
        else:
            view[name] = values[name] if spec.kind == LANG else raw
    return view, values


def _derive_on_create(resource: Resource, node: EntityNode, view: Record, values: Record) -> None:
    """The fields PrestaShop fills in on a new record: a product's position and link_rewrite,
    a customer thread's token cut to its column."""
    if resource.name == "products":
        view["position_in_category"] = str(values["id"])
        if "link_rewrite" not in node.fields and "name" in values:
            values["link_rewrite"] = values["name"]
    if resource.name == "customer_threads":
        values["token"] = str(values.get("token", ""))[:12]


class Webservice:
    """The emulated ``/api`` of one shop. Mutable switches are plain attributes."""

    def __init__(self, data: ShopData, *, version: str = "8.1.2", shop_name: str = "ShopHub Demo") -> None:
        self.data = data
        self.version = version
        self.shop_name = shop_name
        self.keys: dict[str, Permissions] = {}
        self.enabled = True
        self.waf_blocks_put_patch = False

    @property
    def supports_patch(self) -> bool:
        try:
            return int(self.version.split(".")[0]) >= 8
        except ValueError:
            return True

    # ----------------------------------------------------------------------- entry
    def handle(self, request: WsRequest, base_url: str) -> WsResponse:
        started = time.perf_counter()
        params = request.params
        segments = self._segments(request.path, params)
        if segments is None:
            return WsResponse(404, [("Content-Type", "text/plain; charset=utf-8")], b"Not Found")
        if self.waf_blocks_put_patch and request.method in ("PUT", "PATCH"):
            return WsResponse(403, [("Content-Type", "text/html; charset=iso-8859-1")], WAF_PAGE.encode())
        key = self._credentials(request, params)
        if key is None:
            return WsResponse(
                401,
                [("WWW-Authenticate", REALM), ("Content-type", "text/html; charset=utf-8")],
                b"401 Unauthorized",
            )
        json_out = self._wants_json(request, params)
        method = request.method
        if method == "POST" and params.get("ps_method", "").upper() in VALID_METHODS:
            method = params["ps_method"].upper()
        try:
            permissions = self._authenticate(key)
            status, body = self._dispatch(method, segments, params, request.body, permissions, json_out, base_url)
            content_type = JSON_TYPE if json_out else XML_TYPE
            response = self._ps_response(status, body, content_type, started, self.version)
        except NotFound:
            response = self._ps_response(404, "", ("Content-Type", ""), started, self.version)
        except WebserviceError as error:
            version = "0" if error.code in (18, 20, 21, 22) else self.version
            body = json_errors(error.errors) if json_out else xml_errors(error.errors)
            response = self._ps_response(error.status, body, JSON_TYPE if json_out else XML_TYPE, started, version)
            if error.status == 401:
                response.headers.insert(0, ("WWW-Authenticate", REALM))
        if method == "HEAD":
            response.body = b""
        return response

    @staticmethod
    def _segments(path: str, params: dict[str, str]) -> list[str] | None:
        if path.rstrip("/") == "/webservice/dispatcher.php":
            route = params.get("url", "")
        elif path == "/api" or path.startswith("/api/"):
            route = path[4:]
        else:
            return None
        return [s for s in route.split("/") if s]

    @staticmethod
    def _credentials(request: WsRequest, params: dict[str, str]) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip()).decode("utf-8", errors="replace")
            except (binascii.Error, ValueError):
                decoded = ""
            user = decoded.split(":", 1)[0]
            if user:
                return user
        return params.get("ws_key") or None

    @staticmethod
    def _wants_json(request: WsRequest, params: dict[str, str]) -> bool:
        candidates = (
            params.get("output_format"),
            params.get("io_format"),
            request.headers.get("output-format"),
            request.headers.get("io-format"),
        )
        return any((c or "").upper() == "JSON" for c in candidates)

    def _authenticate(self, key: str) -> Permissions:
        if not self.enabled:
            raise WebserviceError(
                503,
                [(22, "The PrestaShop webservice is disabled. Please activate it in the PrestaShop Back Office")],
            )
        if len(key) != 32:
            raise WebserviceError(401, [(18, "Invalid authentication key format")])
        if key not in self.keys:
            raise WebserviceError(
                401,
                [(20, "Authentification key is not active"), (21, "No permission for this authentication key")],
            )
        return self.keys[key]

    @staticmethod
    def _ps_response(status: int, body: str, content_type: tuple[str, str], started: float, version: str) -> WsResponse:
        raw = body.encode("utf-8")
        headers = [
            ("Access-Time", str(int(time.time()))),
            ("X-Powered-By", "PrestaShop Webservice"),
            ("PSWS-Version", version),
            content_type,
            ("Execution-Time", f"{time.perf_counter() - started:.3f}"),
        ]
        if 200 <= status < 300:
            headers.append(("Content-Sha1", hashlib.sha1(raw, usedforsecurity=False).hexdigest()))
        return WsResponse(status, headers, raw)

    # -------------------------------------------------------------------- dispatch
    def _dispatch(
        self,
        method: str,
        segments: list[str],
        params: dict[str, str],
        body: bytes,
        permissions: Permissions,
        json_out: bool,
        base_url: str,
    ) -> tuple[int, str]:
        renderer = Renderer(self.data, base_url)
        if not segments:
            return self._root(method, permissions, json_out, renderer)
        name = segments[0]
        resource = self._allowed_resource(name, method, permissions)
        rid = _url_id(segments)
        with self.data.lock:
            if resource is None:  # a stock resource this simulator keeps no records of
                if rid is not None:
                    raise NotFound
                return 200, "[]" if json_out else xml_document(f"<{name}>\n</{name}>\n")
            if method in ("GET", "HEAD"):
                return self._read(resource, rid, params, json_out, renderer)
            if method == "DELETE":
                return self._delete(name, rid)
            return self._write(resource, rid, method, body, json_out, renderer)

    def _allowed_resource(self, name: str, method: str, permissions: Permissions) -> Resource | None:
        """Check that the resource exists and that the key may call ``method`` on it, in
        PrestaShop's order of errors; returns its description (None: a resource kept empty)."""
        if name not in CATALOGUE_NAMES:
            message = did_you_mean_message(f'Resource of type "{name}" does not exists', name, list(CATALOGUE_NAMES))
            raise WebserviceError(400, [(27, message)])
        if name not in permissions:
            raise WebserviceError(401, [(26, f'Resource of type "{name}" is not allowed with this authentication key')])
        if method not in VALID_METHODS or (method == "PATCH" and not self.supports_patch):
            raise WebserviceError(405, [(23, f"Method {method} is not valid")])
        resource = RESOURCES.get(name)
        forbidden = (
            resource.forbidden_methods if resource else frozenset(m for m in VALID_METHODS if m not in ("GET", "HEAD"))
        )
        if method in forbidden:
            raise WebserviceError(405, [(101, f"Method {method} is not allowed for the resource {name}")])
        if method not in permissions[name]:
            raise WebserviceError(
                405, [(25, f"Method {method} is not allowed for the resource {name} with this authentication key")]
            )
        return resource

    def _delete(self, name: str, rid: int | None) -> tuple[int, str]:
        if rid is None:
            raise WriteError(400, 90, "Id is required when deleting a resource")
        if self.data.tables[name].get(rid) is None:
            raise NotFound
        self.data.delete(name, rid)
        return 200, ""

    def _root(self, method: str, permissions: Permissions, json_out: bool, renderer: Renderer) -> tuple[int, str]:
        if method not in ("GET", "HEAD"):
            raise WebserviceError(405, [(23, f"Method {method} is not valid")])
        if json_out:
            # PHP 8 dies in WebserviceOutputJSON on the root list (PrestaShop #34794)
            raise WebserviceError(
                500,
                [(3, "[PHP TypeError] array_filter(): Argument #1 ($array) must be of type array, string given")],
            )
        return 200, renderer.xml_api_root(self.shop_name, CATALOGUE, permissions, self.supports_patch)

    # ------------------------------------------------------------------------ reads
    def _read(
        self, resource: Resource, rid: int | None, params: dict[str, str], json_out: bool, renderer: Renderer
    ) -> tuple[int, str]:
        table = self.data.tables[resource.name]
        schema = params.get("schema")
        if schema in ("blank", "synopsis") and rid is None:
            if json_out:
                return 200, renderer.json_schema(resource)
            return 200, renderer.xml_schema(resource, synopsis=schema == "synopsis")
        if rid is not None and "display" not in params:
            record = table.get(rid)
            if record is None:
                raise NotFound
            languages = parse_languages(params.get("language"))
            if json_out:
                view = renderer.json_record(resource, record, Display("full"), languages, drop_empty=True)
                return 200, to_json({resource.singular: view})
            return 200, xml_document(renderer.xml_record(resource, record, Display("full"), languages))
        query = parse_list_query(params, resource)
        if rid is not None:
            if table.get(rid) is None:
                raise NotFound
            query.filters.append(Filter(resource.fields_by_name["id"], "eq", (str(rid),)))
        records = select(table, query)
        if json_out:
            return 200, renderer.json_list(resource, records, query.display, query.languages)
        return 200, renderer.xml_list(resource, records, query.display, query.languages)

    # ----------------------------------------------------------------------- writes
    def _write(
        self, resource: Resource, rid: int | None, method: str, body: bytes, json_out: bool, renderer: Renderer
    ) -> tuple[int, str]:
        nodes = parse_body(body)
        if method == "POST" and rid is not None:
            raise WebserviceError(400, [(38, "id is forbidden when adding a new resource")])
        written: list[tuple[Record, Record]] = []
        for node in nodes:
            # not transactional: nodes before a failing one stay saved (fixture 18b)
            written.append(self._apply(resource, node, method, rid))
        status = 201 if method == "POST" else 200
        full = Display("full")
        if json_out:
            view, stored = written[-1]
            return status, to_json(
                {resource.singular: renderer.json_record(resource, view, full, None, drop_empty=True, stored=stored)}
            )
        inner = "".join(renderer.xml_record(resource, view, full, None, stored) for view, stored in written)
        return status, xml_document(inner)

    def _apply(self, resource: Resource, node: EntityNode, method: str, url_id: int | None) -> tuple[Record, Record]:
        _check_writable(resource, node)
        if method == "POST":
            return self._create(resource, node)
        rid = _body_id(node, url_id)
        table = self.data.tables[resource.name]
        current = table.get(rid)
        if current is None:
            raise WriteError(404, 92, "Invalid ID")
        if method == "PUT":
            self._check_required(resource, node)
        now = self.data.now_local()
        view, stored = self._update_start(resource, rid, current, method)
        for name, raw in node.fields.items():
            if name == "id":
                continue
            spec = resource.fields_by_name[name]
            stored[name] = normalize(spec, raw, current.get(name))
            view[name] = stored[name] if spec.kind == LANG else raw
        if resource.has_date_upd:
            view["date_upd"] = stored["date_upd"] = now
        if method == "PUT" and resource.has_date_add and "date_add" not in node.fields:
            view["date_add"] = stored["date_add"] = now
        view["id"] = str(rid)
        self._save_update(resource.name, current, stored, node)
        self._store_links(resource, rid, node)
        return view, table.rows[rid]

    def _update_start(self, resource: Resource, rid: int, current: Record, method: str) -> tuple[Record, Record]:
        """The view and stored record an update starts from: for PUT a new record keeping only
        the read-only fields (the view names every field, empty), for PATCH the current record."""
        if method != "PUT":
            return dict(current), dict(current)
        view: Record = {spec.name: None for spec in resource.fields}
        stored = self.data.new_record(resource.name, {"id": rid})
        for spec in resource.fields:
            if spec.read_only:
                stored[spec.name] = current[spec.name]
        return view, stored

    def _check_required(self, resource: Resource, node: EntityNode, names: tuple[str, ...] | None = None) -> None:
        for spec in resource.fields:
            wanted = spec.required if names is None else spec.name in names
            if wanted and spec.name not in node.fields:
                raise WriteError(400, 41, f'parameter "{spec.name}" required')

    def _store_links(self, resource: Resource, rid: int, node: EntityNode) -> None:
        for name, items in node.associations.items():
            assoc = resource.association(name)
            if assoc is None or (resource.name, name) in DERIVED_ASSOCIATIONS:
                continue
            specs = {f.name: f for f in assoc.fields}
            parsed = [
                {key: normalize(specs[key], value) for key, value in item.items() if key in specs} for item in items
            ]
            self.data.set_links(resource.name, rid, name, parsed)

    # ----------------------------------------------------------- update side effects
    def _save_update(self, name: str, current: Record, stored: Record, node: EntityNode) -> None:
        """Save an updated record with what PrestaShop does around it for that resource."""
        data = self.data
        if name == "orders":
            # current_state and shipping_number go through their setters (history row, carrier row)
            new_state = stored["current_state"]
            stored["current_state"] = current["current_state"]
            stored["shipping_number"] = current["shipping_number"]
            data.save(name, stored)
            if "current_state" in node.fields and new_state != current["current_state"]:
                data.change_order_state(stored["id"], new_state)
            if "shipping_number" in node.fields and data.order_carrier(stored["id"]) is not None:
                data.set_tracking_number(stored["id"], str(node.fields["shipping_number"]))
            return
        if name == "customer_threads":
            stored["token"] = str(stored["token"])[:12]  # a varchar(12) column
        data.save(name, stored)
        if name == "stock_availables":
            data.after_stock_write(stored)
            if current["id_product"] != stored["id_product"] and current["id_product_attribute"]:
                data.after_stock_write(current)
        elif name == "order_carriers":
            data.sync_shipping_number(stored["id_order"])
            if current["id_order"] != stored["id_order"]:
                data.sync_shipping_number(current["id_order"])

    # ---------------------------------------------------------------------- create
    def _create(self, resource: Resource, node: EntityNode) -> tuple[Record, Record]:
        if resource.name == "order_histories":
            return self._create_order_history(node)
        if resource.name == "orders":
            return self._create_order(node)
        self._check_required(resource, node)
        now = self.data.now_local()
        table = self.data.tables[resource.name]
        new_id = table.next_id
        view, values = _posted_values(resource, node, new_id)
        for name in ("date_add", "date_upd"):
            if name in resource.fields_by_name:
                view[name] = values[name] = now
        _derive_on_create(resource, node, view, values)
        self.data.insert(resource.name, values)
        self._store_links(resource, new_id, node)
        if resource.name == "products":
            self._after_product_created(values)
        if resource.name == "combinations":
            self._after_combination_created(values)
        view["id"] = str(new_id)
        return view, table.rows[new_id]

    def _after_product_created(self, product: Record) -> None:
        """A new product gets its default category when the body linked none, and a stock row."""
        new_id = product["id"]
        if not self.data.stored_links("products", new_id).get("categories"):
            self.data.set_links("products", new_id, "categories", [{"id": product.get("id_category_default", 2)}])
        self.data.add_stock_row(new_id, 0, 0)

    def _after_combination_created(self, combo: Record) -> None:
        product = self.data.tables["products"].get(combo["id_product"])
        if product is None:
            raise WriteError(400, 85, 'Validation error: "Property Combination->id_product is not valid"')
        self.data.add_stock_row(combo["id_product"], combo["id"], 0)
        changes: Record = {"product_type": "combinations", "date_upd": self.data.now_local()}
        if not product["cache_default_attribute"]:
            changes.update(cache_default_attribute=combo["id"], id_default_combination=combo["id"])
        self.data.save("products", {**product, **changes})
        self.data.after_stock_write(self.data.stock_row_for(combo["id_product"], combo["id"]))

    def _create_order_history(self, node: EntityNode) -> tuple[Record, Record]:
        resource = RESOURCES["order_histories"]
        self._check_required(resource, node)
        fields = node.fields
        try:
            id_order = int(str(fields["id_order"]).strip())
            id_state = int(str(fields["id_order_state"]).strip())
            id_employee = int(str(fields.get("id_employee") or "0").strip())
        except ValueError:
            raise WriteError(400, 85, 'Validation error: "Property OrderHistory->id_order is not valid"') from None
        history = self.data.change_order_state(id_order, id_state, id_employee)
        view = {
            "id": str(history["id"]),
            "id_employee": fields.get("id_employee"),
            "id_order_state": id_state,
            "id_order": fields["id_order"],
            "date_add": history["date_add"],
        }
        return view, history

    def _create_order(self, node: EntityNode) -> tuple[Record, Record]:
        resource = RESOURCES["orders"]
        required = ("id_address_delivery", "id_address_invoice", "id_currency", "id_customer", "id_carrier", "module")
        self._check_required(resource, node, required)
        rows = node.associations.get("order_rows", [])
        if not rows:
            raise WriteError(400, 41, 'parameter "order_rows" required')
        fields = node.fields

        def number(value: Any, default: int = 0) -> int:
            try:
                return int(str(value).strip()) if str(value).strip() else default
            except ValueError:
                raise WriteError(400, 85, f'Validation error: "{value}" is not a valid id') from None

        lines = []
        for row in rows:
            if not str(row.get("product_id", "")).strip():
                raise WriteError(400, 41, 'parameter "product_id" required')
            lines.append(
                (
                    number(row["product_id"]),
                    number(row.get("product_attribute_id", 0)),
                    number(row.get("product_quantity", 1), 1),
                )
            )
        state = fields.get("current_state")
        oid = self.data.place_order(
            lines,
            id_customer=number(fields["id_customer"]),
            id_address_delivery=number(fields["id_address_delivery"]),
            id_address_invoice=number(fields["id_address_invoice"]),
            id_carrier=number(fields["id_carrier"]),
            id_currency=number(fields["id_currency"], 1),
            id_lang=number(fields.get("id_lang", 1), 1),
            module=str(fields["module"]),
            payment=str(fields["payment"]) if fields.get("payment") else None,
            current_state=number(state) if state and str(state).strip() else None,
            note=str(fields.get("note") or ""),
        )
        stored = self.data.tables["orders"].rows[oid]
        view = dict(stored)
        view["id"] = str(oid)
        return view, stored
