"""``GET /health`` — public, no token."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from shophub import __version__

router = APIGatewayHttpRouter()


class HealthResponse(BaseModel):
    status: str
    version: str


@router.get("/health", summary="Liveness of the API", tags=["health"])
def health() -> HealthResponse:
    return HealthResponse(status="ok", version=__version__)
