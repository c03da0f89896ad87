"""Field names of the HTTP contract that came from the first platform and stay for clients.

The core speaks of variants, stock references, carrier keys and shop statuses; the API's JSON
and the links CSV kept the names they were published with (``docs/openapi.json``), so that no
client breaks. They are spelled here once, for the few places below ``api/`` that shape
contract data (mapping items, the links file's columns); the API's response models spell them
as their field names. The README lists them.
"""

from typing import Final

#: a shop variant's id (0: the product itself)
VARIANT_FIELD: Final = "shop_combination_id"
#: the shop's stock row of a variant
STOCK_ROW_FIELD: Final = "stock_available_id"
#: a carrier's stable key, the carriers mapping's shop value
CARRIER_FIELD: Final = "id_reference"
#: a shop order status id, the statuses mapping's shop value
STATUS_FIELD: Final = "shop_state_id"
