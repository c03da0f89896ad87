"""``functions/order_pusher``: tracking numbers, sales documents and status changes to the shop."""
