"""``GET /health`` — public, no token."""

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from shophub import __version__
from shophub.domain.common import Model

router = APIGatewayHttpRouter()


class HealthResponse(Model):
    status: str
    version: str


@router.get("/health", summary="Liveness of the API", tags=["health"])
def health() -> HealthResponse:
    return HealthResponse(status="ok", version=__version__)
