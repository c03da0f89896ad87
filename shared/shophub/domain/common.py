"""Base classes for hub models.

Every ShopHub model derives from :class:`Model`, which builds its validator and serializer on
first use instead of at import (pydantic's ``defer_build``). A function declares many more
models than one invocation touches (the API function alone holds ~90: every route's request
and response, every stored item, every shop record), so a cold start pays only for the models
its first request or message actually uses.

Modules that declare models (``domain/``, ``api/``) do not use ``from __future__ import
annotations``: with it every field annotation is a string that pydantic parses again at class
creation, which made importing them about a third slower.
"""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base of every ShopHub model: validators built on first use."""

    model_config = ConfigDict(defer_build=True)


class HubModel(Model):
    """A stored hub model: attribute names are the DynamoDB item's attribute names."""

    model_config = ConfigDict(extra="ignore")


class RequestModel(Model):
    """An API request body: unknown fields are refused (400), values validated (422)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
