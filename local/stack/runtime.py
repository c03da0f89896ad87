"""Loading and invoking the template's functions in this process, the way Lambda would.

:class:`Invoker` imports a function's handler by its logical id (``functions.<name>.handler``),
calls it with a :class:`~local.stack.events.LambdaContext` carrying the template's timeout and
memory, under the function's template environment.

Execution environments: Lambda never runs two invocations in one environment at the same time,
and handlers rely on it (a Powertools resolver or ``BatchProcessor`` at module level keeps the
current event on itself). The invoker therefore keeps a small pool per function: the first
environment is the handler module as normally imported; when invocations overlap (gateway
threads, a queue source with ``MaximumConcurrency`` > 1) it loads further private copies of the
handler module — a cold start — up to ``max_environments``, and otherwise waits for a free one.
Only the handler module is copied; the shared code (``shophub``) is loaded once per process, as
the layer would be per environment. ``max_environments=1`` serialises every function.

Environment variables: the caller sets the stack's union environment once (the local stack
does; so does ``tests/support/aws.py``). A function whose template variables differ from the
process environment gets them applied around its invocation, under a process-wide lock.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from local.stack.events import LambdaContext
from local.stack.template import ProvisionedStack, StackModel

ROOT = Path(__file__).resolve().parents[2]

Handler = Callable[[Any, Any], Any]


def ensure_import_paths() -> None:
    """Put the repository root and ``shared/`` on ``sys.path`` (pyproject's pytest ``pythonpath``)."""
    for entry in (str(ROOT / "shared"), str(ROOT)):
        if entry not in sys.path:
            sys.path.insert(0, entry)


class FunctionUnavailable(LookupError):
    """The template names a function whose handler module cannot be imported."""


@dataclass(frozen=True)
class Invocation:
    function: str
    request_id: str
    started: float  # time.time()
    duration: float  # seconds
    cold_start: bool
    error: str | None = None  # exception type and message when the handler raised


class _Environment:
    def __init__(self, index: int, module: ModuleType, handler: Handler) -> None:
        self.index = index
        self.module = module
        self.handler = handler
        self.invocations = 0


class _Pool:
    def __init__(self) -> None:
        self.idle: list[_Environment] = []
        self.created = 0
        self.condition = threading.Condition()


_ENV_LOCK = threading.RLock()


def _load_copy(module_name: str, index: int) -> ModuleType:
    """A private copy of ``module_name`` (a second execution environment of the same code)."""
    found = importlib.util.find_spec(module_name)
    if found is None or found.origin is None:
        raise FunctionUnavailable(module_name)
    name = f"{module_name}__env{index}"
    spec = importlib.util.spec_from_file_location(name, found.origin)
    if spec is None or spec.loader is None:
        raise FunctionUnavailable(module_name)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = module_name.rpartition(".")[0]
    sys.modules[name] = module  # pydantic / dataclasses look classes' modules up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


class Invoker:
    """Invokes the functions of a provisioned stack in-process.

    ``stack`` is a :class:`ProvisionedStack` (environment with real queue URLs applied), an
    object with a ``stack`` attribute holding one (``tests.support.aws.TestStack``), or a bare
    :class:`StackModel` (then no environment is applied: the caller owns ``os.environ``).
    """

    def __init__(
        self,
        stack: ProvisionedStack | StackModel | Any,
        *,
        max_environments: int = 8,
        apply_environment: bool = True,
        history: int = 10_000,
    ) -> None:
        if not isinstance(stack, ProvisionedStack | StackModel) and hasattr(stack, "stack"):
            stack = stack.stack
        self.provisioned: ProvisionedStack | None = stack if isinstance(stack, ProvisionedStack) else None
        self.model: StackModel = stack.model if isinstance(stack, ProvisionedStack) else stack
        self.max_environments = max(1, max_environments)
        self.apply_environment = apply_environment and self.provisioned is not None
        self.history: deque[Invocation] = deque(maxlen=history)
        self._pools: dict[str, _Pool] = {}
        self._pools_lock = threading.Lock()
        self._environments: dict[str, dict[str, str]] = {}

    # --- lookup ---------------------------------------------------------------------------------

    def spec(self, function: str) -> Any:
        try:
            return self.model.functions[function]
        except KeyError:
            raise FunctionUnavailable(f"no function {function!r} in the template") from None

    def available(self, function: str) -> bool:
        """Whether the function's handler module exists (some may not be written yet)."""
        try:
            return importlib.util.find_spec(self.spec(function).module) is not None
        except (ModuleNotFoundError, FunctionUnavailable):
            return False

    def handler(self, function: str) -> Handler:
        """The handler callable of the function's first environment (the imported module)."""
        spec = self.spec(function)
        try:
            module = importlib.import_module(spec.module)
        except ModuleNotFoundError as exc:
            if exc.name and spec.module.startswith(exc.name):
                raise FunctionUnavailable(f"{function}: module {spec.module} not found") from exc
            raise
        return getattr(module, spec.attribute)

    def environment(self, function: str) -> dict[str, str]:
        """The function's template environment (queue URLs filled in)."""
        if self.provisioned is None:
            return {}
        if function not in self._environments:
            self._environments[function] = self.provisioned.environment(function)
        return self._environments[function]

    def context(self, function: str) -> LambdaContext:
        spec = self.spec(function)
        return LambdaContext(function_name=function, timeout_seconds=spec.timeout, memory_limit_in_mb=spec.memory)

    # --- invocation -----------------------------------------------------------------------------

    def invoke(self, function: str, event: Any, context: LambdaContext | None = None) -> Any:
        """Call the function's handler with ``event``; its exception propagates unchanged."""
        context = context or self.context(function)
        with self._environment(function) as (environment, cold):
            started, clock = time.time(), time.perf_counter()
            error: str | None = None
            try:
                with self._variables(function):
                    return environment.handler(event, context)
            except BaseException as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                environment.invocations += 1
                self.history.append(
                    Invocation(function, context.aws_request_id, started, time.perf_counter() - clock, cold, error)
                )

    def invocations(self, function: str | None = None) -> list[Invocation]:
        return [i for i in self.history if function is None or i.function == function]

    @contextmanager
    def _environment(self, function: str) -> Iterator[tuple[_Environment, bool]]:
        with self._pools_lock:
            pool = self._pools.setdefault(function, _Pool())
        with pool.condition:
            while not pool.idle and pool.created >= self.max_environments:
                pool.condition.wait()
            environment = pool.idle.pop() if pool.idle else None
            index = pool.created
            if environment is None:
                pool.created += 1
        cold = environment is None
        if environment is None:
            try:
                environment = self._create(function, index)
            except BaseException:
                with pool.condition:
                    pool.created -= 1
                    pool.condition.notify()
                raise
        try:
            yield environment, cold
        finally:
            with pool.condition:
                pool.idle.append(environment)
                pool.condition.notify()

    def _create(self, function: str, index: int) -> _Environment:
        spec = self.spec(function)
        with self._variables(function):
            if index == 0:
                handler = self.handler(function)
                module = sys.modules[spec.module]
            else:
                module = _load_copy(spec.module, index)
                handler = getattr(module, spec.attribute)
        return _Environment(index, module, handler)

    @contextmanager
    def _variables(self, function: str) -> Iterator[None]:
        if not self.apply_environment:
            yield
            return
        wanted = self.environment(function)
        if all(os.environ.get(k) == v for k, v in wanted.items()):
            yield
            return
        with _ENV_LOCK:
            saved = {k: os.environ.get(k) for k in wanted}
            os.environ.update(wanted)
            try:
                yield
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
