"""``functions/stock_pusher``: coalesced, batched stock pushes to every linked shop."""
