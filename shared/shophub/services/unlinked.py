"""The shop variants an import or linking run left without a link, and why: readable page by
page through the API and downloadable as CSV (the seed: "products that are not linked are
listed in a report").

An outcome is unlinked when it is ``skipped`` or ``failed``, except a variant skipped because it
was linked before. The reasons are the run's own: no value of the unique identifier, no hub
product with that value (link mode), the shop no longer has the product, the shop could not
deliver it, or it could not be settled. Several shop variants with one identifier value are not
a reason: the hub holds one product per value (its claim), and each of them links to it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from shophub.contract import VARIANT_FIELD
from shophub.csv_text import safe_cell
from shophub.domain.imports import ImportItem
from shophub.services.linking import render_reason

#: The columns of the CSV (the variant's id under the contract's name, as in the links file).
COLUMNS = ("shop_product_id", VARIANT_FIELD, "name", "ean", "symbol", "catalog_number", "status", "reason")


def unlinked_csv(items: Iterable[ImportItem], language: str) -> bytes:
    """The CSV of ``items`` (UTF-8 with a BOM, so spreadsheets read Polish letters; ``;``-free
    cells are not quoted; formula-like cells are kept as text), reasons in ``language``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        reason = render_reason(item.reason_key, item.reason_params, language)
        writer.writerow(
            [
                item.shop_product_id,
                "" if item.shop_variant_id is None else item.shop_variant_id,
                *(safe_cell(v) for v in (item.name, item.ean, item.symbol, item.catalog_number)),
                item.status,
                safe_cell(reason),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
