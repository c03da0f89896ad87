"""A catalogue file a merchant exported from the shop's own administration and uploaded.

Platform-neutral: a connector reads the file (for PrestaShop:
``shophub.connectors.prestashop.exports.read_catalogue_file``) and the import service reads
these types. Every data line of the file (each line after the header; a record whose quoted cell
holds a line break counts once, on the line it starts) becomes exactly one of:

* a :class:`CatalogueFileRow` (one shop variant, or one product as a whole),
* a :class:`CatalogueFileRefusal` (a message key of ``shophub.i18n`` and its parameters),
* a blank line (counted in :attr:`CatalogueFile.blank_lines`).

Row levels, and what the importer must do with each:

* ``"variant"``: the row is one variant. ``shop_variant_id`` is its id (0 = a product without
  variants, the product itself), or None when the file names the variant by its options only
  (then ``variant_name`` holds them, e.g. "Color - Blue, Size - M"): the importer resolves the id
  from the shop before it links anything.
* ``"product"``: the file carries no variant ids (a product list), so the row stands for "the
  product itself or all its variants" and ``shop_variant_id`` is None. The importer must look the
  product up in the shop: without variants the row is variant 0; with variants the row's values
  are the product's own, which its variants inherit only where their own value is empty, so the
  importer must take each variant's identifiers from the shop (or from a per-variant file) and must
  never create one hub product for a product that has variants, nor write the row's quantity (the
  product's total over its variants) to a single variant.

Values are plain text exactly as the file held them (trimmed; an empty cell or "N/A" is missing):
nothing read here is ever evaluated, and every CSV the hub writes quotes formula-like cells.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

#: ``"variant"``: one variant; ``"product"``: the product itself or all its variants.
RowLevel = Literal["variant", "product"]


@dataclass(frozen=True, slots=True)
class CatalogueFileRow:
    """One data line read as a shop variant (or a whole product, see ``level``)."""

    line: int
    level: RowLevel
    #: None when the file names the product only by an identifier (see ``product_reference``)
    shop_product_id: int | None
    #: 0 = the product itself; None when unknown (always None for a ``"product"`` row)
    shop_variant_id: int | None
    product_name: str = ""
    #: the variant's options as the shop names them; empty for the product itself
    variant_name: str = ""
    #: shop field name → value, only fields the file holds a value for (e.g. ``reference``)
    identifiers: Mapping[str, str] = field(default_factory=dict)
    #: the product's own reference when the file gives it beside the variant's
    product_reference: str = ""
    #: the quantity the shop can sell; None when the file has no quantity for the row
    quantity: int | None = None
    #: None when the file does not say
    active: bool | None = None

    def identifier(self, name: str) -> str:
        """The value of the shop field ``name`` (field mapping), ``""`` when missing."""
        return self.identifiers.get(name, "")


@dataclass(frozen=True, slots=True)
class CatalogueFileRefusal:
    """A data line that cannot be used: a message key and its parameters."""

    line: int
    key: str
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogueFile:
    """A catalogue file read whole: one outcome per data line, in file order."""

    #: which export the header identified (the connector names its layouts)
    kind: str
    rows: list[CatalogueFileRow]
    refusals: list[CatalogueFileRefusal]
    #: the identifier fields the layout carries at all (a mapping reading another field finds
    #: nothing in this file, whatever the rows hold)
    identifier_fields: tuple[str, ...]
    #: whether the layout has a quantity column
    has_quantity: bool
    #: data lines after the header: ``len(rows) + len(refusals) + blank_lines``
    data_lines: int
    blank_lines: int = 0
    encoding: str = "utf-8"
    delimiter: str = ";"

    @property
    def accounted(self) -> bool:
        """Whether every data line is a row, a refusal or a blank line."""
        return len(self.rows) + len(self.refusals) + self.blank_lines == self.data_lines
