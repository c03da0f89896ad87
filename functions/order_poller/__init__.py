"""``functions/order_poller``: scheduled dispatcher and per-account order poll worker."""
