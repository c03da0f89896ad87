"""ShopHub shared layer: the platform-neutral core and the shop connectors."""

__version__ = "0.1.0"
