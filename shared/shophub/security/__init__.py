"""Security helpers: the shop URL guard (:mod:`shophub.security.url_guard`)."""
