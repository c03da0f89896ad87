"""Call API handlers the way API Gateway does: through the authorizer, with v2 events."""

from __future__ import annotations

import base64
import importlib
import json
from dataclasses import dataclass
from typing import Any

from local.stack.events import LambdaContext, authorizer_event, http_api_event
from local.stack.template import load_stack


@dataclass
class ApiAnswer:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class ApiClient:
    """Routes a request to the function the template names, after running the authorizer.

    With an ``invoker`` (:class:`local.stack.runtime.Invoker`) each call runs in one of the
    function's execution environments, so threads may call at the same time as Lambda would."""

    def __init__(self, token: str | None = None, language: str | None = None, *, invoker: Any = None) -> None:
        self.model = load_stack("test")
        self.token = token
        self.language = language
        self.invoker = invoker

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: str = "",
        headers: dict[str, str] | None = None,
        raw_body: str | None = None,
    ) -> ApiAnswer:
        for route in self.model.routes:
            match = route.pattern.match(path)
            if route.method == method.upper() and match:
                break
        else:
            raise AssertionError(f"no route for {method} {path} in template.yaml")
        request_headers = {"content-type": "application/json", **(headers or {})}
        if self.token is not None:
            request_headers["authorization"] = f"Bearer {self.token}"
        if self.language:
            request_headers["accept-language"] = self.language
        route_key = f"{route.method} {route.path}"
        context = None
        if not route.public:
            decision = self._invoke(
                self.model.authorizer,  # type: ignore[arg-type]
                authorizer_event(request_headers, route_key, path),
            )
            assert decision["isAuthorized"] is True
            context = decision.get("context", {})
        payload = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        event = http_api_event(
            method,
            path,
            query=query,
            headers=request_headers,
            body=payload,
            route_key=route_key,
            path_parameters=match.groupdict() or None,
            authorizer_context=context,
        )
        answer = self._invoke(route.function, event)
        text = answer.get("body") or ""
        if answer.get("isBase64Encoded"):
            text = base64.b64decode(text).decode()
        return ApiAnswer(answer["statusCode"], {k.lower(): v for k, v in (answer.get("headers") or {}).items()}, text)

    def _invoke(self, function: str, event: dict[str, Any]) -> Any:
        if self.invoker is not None:
            return self.invoker.invoke(function, event)
        module = importlib.import_module(self.model.functions[function].module)
        return module.handler(event, LambdaContext(function if function != self.model.authorizer else "authorizer"))

    def get(self, path: str, **kw: Any) -> ApiAnswer:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> ApiAnswer:
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> ApiAnswer:
        return self.call("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> ApiAnswer:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> ApiAnswer:
        return self.call("DELETE", path, **kw)
