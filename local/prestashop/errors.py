"""The one error the webservice emulation raises: an HTTP status plus PrestaShop error entries."""

from __future__ import annotations


class WebserviceError(Exception):
    """Rendered as ``<errors><error><code/><message/></error>...`` (or the JSON equivalent)."""

    def __init__(self, status: int, errors: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"{code}: {message}" for code, message in errors))
        self.status = status
        self.errors = errors

    @property
    def code(self) -> int:
        return self.errors[-1][0]


class WriteError(WebserviceError):
    """A write PrestaShop refuses with a single error entry."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(status, [(code, message)])
        self.message = message


class NotFound(Exception):
    """404: PrestaShop answers with an empty body and an empty Content-Type."""


PHP_SOURCE = "/var/www/html/classes/webservice/WebserviceRequest.php"


def php_warning(message: str, line: int) -> tuple[int, str]:
    return 3, f"[PHP Warning #2] {message} ({PHP_SOURCE}, line {line})"
