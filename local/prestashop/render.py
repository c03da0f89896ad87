"""XML and JSON bodies shaped like PrestaShop 8.1.2's (``WebserviceOutputXML`` / ``WebserviceOutputJSON``).

XML is written by hand because PrestaShop wraps every value in CDATA and puts tabs and newlines
exactly where clients' recorded parsers saw them. A record "view" is a dict of field values: GET
answers pass stored records; write answers pass what the in-memory object held (raw strings from
the request body, None for never-set fields, string ids), which is why their JSON types differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from local.prestashop.data import LANGUAGE_IDS, Record, ShopData
from local.prestashop.query import Display
from local.prestashop.resources import LANG, Association, Field, Resource

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
XML_TAIL = "</prestashop>\n"
METHOD_ATTRS = ("get", "put", "post", "patch", "delete", "head")


def cdata(value: Any) -> str:
    text = php_string(value)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def php_string(value: Any) -> str:
    """A value as PHP prints it: null and false are empty, true is "1".

    A product without a brand has ``manufacturer_name`` false, in its JSON too.
    """
    if value is None or value is False:
        return ""
    return "1" if value is True else str(value)


def attr(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def truthy(value: Any) -> bool:
    """PHP's notion of a non-empty value (what decides xlinks and single-record JSON keys)."""
    return value not in (None, "", 0, "0", [], {})


def to_json(payload: Any) -> str:
    # PHP's json_encode escapes slashes; PrestaShop asks for unescaped unicode
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")


def xml_document(inner: str) -> str:
    return XML_HEAD + inner + XML_TAIL


def xml_errors(errors: Iterable[tuple[int, str]]) -> str:
    body = "".join(
        f"<error>\n<code>{cdata(code)}</code>\n<message>{cdata(message)}</message>\n</error>\n"
        for code, message in errors
    )
    return xml_document(f"<errors>\n{body}</errors>\n")


def json_errors(errors: Iterable[tuple[int, str]]) -> str:
    return to_json({"errors": [{"code": code, "message": message} for code, message in errors]})


class Renderer:
    """Renders records of one shop; ``base_url`` is how the client reached it (used in xlinks)."""

    def __init__(self, data: ShopData, base_url: str) -> None:
        self.data = data
        self.api = base_url.rstrip("/") + "/api/"

    # ----------------------------------------------------------------------- helpers
    def _link(self, template: str, value: Any, record: Record) -> str:
        if "{" in template:
            return self.api + template.format(id=record.get("id")) + f"/{value}"
        return f"{self.api}{template}/{value}"

    def _item_link(self, assoc: Association, item: Record, owner: Record, resource: Resource) -> str:
        product = owner.get("id") if resource.name == "products" else owner.get("id_product")
        return self.api + (assoc.item_xlink or "").format(id=item.get("id"), product=product)

    def _fields(self, resource: Resource, display: Display) -> list[Field]:
        if display.mode == "fields":
            return [resource.fields_by_name[name] for name in display.fields]
        return list(resource.fields)

    def _associations(
        self, resource: Resource, record: Record, display: Display
    ) -> list[tuple[Association, list[Record], tuple[str, ...] | None]]:
        chosen = []
        for assoc in resource.associations:
            if display.mode == "fields" and assoc.name not in display.associations:
                continue
            items = self.data.association_items(resource.name, record, assoc.name)
            chosen.append((assoc, items, display.associations.get(assoc.name)))
        return chosen

    # --------------------------------------------------------------------------- XML
    def xml_field(self, spec: Field, value: Any, record: Record, languages: tuple[int, ...] | None) -> str:
        if spec.kind == LANG:
            values = value if isinstance(value, dict) else {}
            parts = []
            for lang in languages or LANGUAGE_IDS:
                text = values.get(lang)
                link = f' xlink:href="{self.api}languages/{lang}"' if text is not None else ""
                parts.append(f'<language id="{lang}"{link}>{cdata(text)}</language>')
            return f"\t<{spec.name}>{''.join(parts)}</{spec.name}>\n"
        attrs = ""
        if spec.xlink and (truthy(value) or spec.link_zero):
            attrs += f' xlink:href="{attr(self._link(spec.xlink, value, record))}"'
        if spec.not_filterable:
            attrs += ' notFilterable="true"'
        return f"\t<{spec.name}{attrs}>{cdata(value)}</{spec.name}>\n"

    def xml_record(
        self,
        resource: Resource,
        view: Record,
        display: Display,
        languages: tuple[int, ...] | None,
        stored: Record | None = None,
    ) -> str:
        """One ``<singular>`` element; associations are read from ``stored`` (default: ``view``)."""
        out = [f"<{resource.singular}>\n"]
        for spec in self._fields(resource, display):
            out.append(self.xml_field(spec, view.get(spec.name), view, languages))
        associations = self._associations(resource, stored or view, display)
        if associations:
            out.append("<associations>\n")
            for assoc, items, sub in associations:
                out.append(self._xml_association(resource, assoc, items, sub, stored or view))
            out.append("</associations>\n")
        out.append(f"</{resource.singular}>\n")
        return "".join(out)

    def _xml_association(
        self,
        resource: Resource,
        assoc: Association,
        items: list[Record],
        sub: tuple[str, ...] | None,
        owner: Record,
    ) -> str:
        head = f'{assoc.name} nodeType="{assoc.node_type}"'
        head += ' virtualEntity="true"' if assoc.virtual else f' api="{assoc.api}"'
        if not items:
            return f"<{head}/>\n"
        fields = [f for f in assoc.fields if sub is None or f.name in sub or f.name == "id"]
        out = [f"<{head}>\n"]
        for item in items:
            linked = assoc.item_xlink and not assoc.virtual
            link = f' xlink:href="{attr(self._item_link(assoc, item, owner, resource))}"' if linked else ""
            out.append(f"\t<{assoc.node_type}{link}>\n")
            for spec in fields:
                value = item.get(spec.name)
                xlink = f' xlink:href="{attr(self._link(spec.xlink, value, item))}"' if spec.xlink else ""
                out.append(f"\t<{spec.name}{xlink}>{cdata(value)}</{spec.name}>\n")
            out.append(f"\t</{assoc.node_type}>\n")
        out.append(f"</{assoc.name}>\n")
        return "".join(out)

    def xml_list(
        self, resource: Resource, records: list[Record], display: Display, languages: tuple[int, ...] | None
    ) -> str:
        out = [f"<{resource.name}>\n"]
        if display.mode == "ids":
            out.extend(
                f'<{resource.singular} id="{r["id"]}" xlink:href="{self.api}{resource.name}/{r["id"]}"/>\n'
                for r in records
            )
        else:
            out.extend(self.xml_record(resource, r, display, languages) for r in records)
        out.append(f"</{resource.name}>\n")
        return xml_document("".join(out))

    def xml_schema(self, resource: Resource, synopsis: bool) -> str:
        out = [f"<{resource.singular}>\n"]
        for spec in resource.fields:
            if spec.name == "id":
                continue
            if spec.kind == LANG:
                langs = "".join(f'<language id="{lang}">{cdata("")}</language>' for lang in LANGUAGE_IDS)
                out.append(f"\t<{spec.name}>{langs}</{spec.name}>\n")
                continue
            attrs = ""
            if synopsis:
                if spec.required:
                    attrs += ' required="true"'
                if spec.max_size:
                    attrs += f' maxSize="{spec.max_size}"'
                if spec.format:
                    attrs += f' format="{spec.format}"'
            out.append(f"\t<{spec.name}{attrs}>{cdata('')}</{spec.name}>\n")
        if resource.associations:
            out.append("<associations>\n")
            for assoc in resource.associations:
                head = f'{assoc.name} nodeType="{assoc.node_type}"'
                head += ' virtualEntity="true"' if assoc.virtual else f' api="{assoc.api}"'
                inner = "".join(f"\t<{f.name}>{cdata('')}</{f.name}>\n" for f in assoc.fields)
                out.append(f"<{head}>\n\t<{assoc.node_type}>\n{inner}\t</{assoc.node_type}>\n</{assoc.name}>\n")
            out.append("</associations>\n")
        out.append(f"</{resource.singular}>\n")
        return xml_document("".join(out))

    def xml_api_root(
        self, shop_name: str, catalogue: Iterable[tuple[str, str, bool]], permissions: dict[str, set[str]], patch: bool
    ) -> str:
        out = [f'<api shopName="{attr(shop_name)}">\n']
        for name, description, has_schema in catalogue:
            granted = permissions.get(name)
            if not granted:
                continue
            link = f"{self.api}{name}"
            flags = "".join(
                f' {m}="{"true" if m.upper() in granted else "false"}"' for m in METHOD_ATTRS if patch or m != "patch"
            )
            out.append(f'<{name} xlink:href="{link}"{flags}>\n<description xlink:href="{link}"{flags}>\n')
            out.append(f"{attr(description)}</description>\n")
            if has_schema:
                out.append(f'<schema xlink:href="{link}?schema=blank" type="blank"/>\n')
                out.append(f'<schema xlink:href="{link}?schema=synopsis" type="synopsis"/>\n')
            out.append(f"</{name}>\n")
        out.append("</api>\n")
        return xml_document("".join(out))

    # -------------------------------------------------------------------------- JSON
    @staticmethod
    def json_lang(value: Any, languages: tuple[int, ...] | None) -> Any:
        values = value if isinstance(value, dict) else {}
        if languages is not None and len(languages) == 1:
            return values.get(languages[0]) or ""
        return [{"id": lang, "value": values.get(lang) or ""} for lang in languages or LANGUAGE_IDS]

    def json_record(
        self,
        resource: Resource,
        view: Record,
        display: Display,
        languages: tuple[int, ...] | None,
        *,
        drop_empty: bool = False,
        stored: Record | None = None,
    ) -> dict[str, Any]:
        """One record; ``drop_empty`` is the single-record ``array_filter`` that drops "0", "", 0, null."""
        out: dict[str, Any] = {}
        for spec in self._fields(resource, display):
            value = view.get(spec.name)
            out[spec.name] = self.json_lang(value, languages) if spec.kind == LANG else value
        if drop_empty:
            out = {key: value for key, value in out.items() if truthy(value)}
        links = {}
        for assoc, items, sub in self._associations(resource, stored or view, display):
            if items:
                names = [f.name for f in assoc.fields if sub is None or f.name in sub or f.name == "id"]
                links[assoc.name] = [{n: item.get(n) for n in names} for item in items]
        if links:
            out["associations"] = links
        return out

    def json_list(
        self, resource: Resource, records: list[Record], display: Display, languages: tuple[int, ...] | None
    ) -> str:
        if not records:
            return "[]"  # what 8.1.2 sends for an empty list (fixture 15a), not {"orders":[]}
        if display.mode == "ids":
            return to_json({resource.name: [{"id": r["id"]} for r in records]})
        return to_json({resource.name: [self.json_record(resource, r, display, languages) for r in records]})

    def json_schema(self, resource: Resource) -> str:
        fields = {
            f.name: ([{"id": lang, "value": ""} for lang in LANGUAGE_IDS] if f.kind == LANG else "")
            for f in resource.fields
            if f.name != "id"
        }
        return to_json({resource.singular: fields})
