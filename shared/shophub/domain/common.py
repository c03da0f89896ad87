"""Base classes for hub models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class HubModel(BaseModel):
    """A stored hub model: attribute names are the DynamoDB item's attribute names."""

    model_config = ConfigDict(extra="ignore")


class RequestModel(BaseModel):
    """An API request body: unknown fields are refused (400), values validated (422)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
