"""Offer templates of an account (``functions/api``): name + sync switches, exactly one default.
Another tenant's account is a 404 on every route."""

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field, StrictBool

from shophub.api.context import ctx
from shophub.domain.common import DisplayName, Model, RequestModel
from shophub.domain.config import TemplateSync
from shophub.http import no_content, require_id
from shophub.wiring import container

if TYPE_CHECKING:
    from shophub.services.templates import TemplateView

router = APIGatewayHttpRouter()


TAGS = ["templates"]


class TemplateSyncRequest(RequestModel):
    description: StrictBool | None = Field(default=None, description="Sync the description (default true)")
    shipping_prices: StrictBool | None = Field(default=None, description="Sync the shipping price list (default true)")
    price: StrictBool | None = Field(default=None, description="Sync the price (default true)")
    stock: StrictBool | None = Field(default=None, description="Sync the stock (default true)")

    def changes(self) -> dict[str, bool]:
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None}


class CreateTemplateRequest(RequestModel):
    name: DisplayName
    sync: TemplateSyncRequest | None = None


class UpdateTemplateRequest(RequestModel):
    name: DisplayName | None = Field(default=None, description="Omitted: unchanged")
    sync: TemplateSyncRequest | None = Field(default=None, description="Switches omitted keep their values")


class TemplateResponse(Model):
    id: str
    name: str
    sync: TemplateSync
    default: bool
    offer_count: int = Field(description="Offers that use the template (such a template cannot be deleted)")


class TemplateListResponse(Model):
    items: list[TemplateResponse]


def _template(view: "TemplateView") -> TemplateResponse:
    t = view.template
    return TemplateResponse(id=t.id, name=t.name, sync=t.sync, default=view.default, offer_count=t.offer_count)


@router.get("/accounts/<id>/templates", summary="Templates of the account, oldest first", tags=TAGS)
def list_templates(id: str) -> TemplateListResponse:
    views = container().template_service.list_templates(ctx().tenant_id, require_id(id))
    return TemplateListResponse(items=[_template(v) for v in views])


@router.post(
    "/accounts/<id>/templates", summary="Create a template (the first one is the default)", tags=TAGS, status_code=201
)
def create_template(id: str, body: CreateTemplateRequest) -> TemplateResponse:
    sync = TemplateSync.model_validate(body.sync.changes() if body.sync else {})
    view = container().template_service.create_template(
        ctx().tenant_id, require_id(id), body.name, sync, actor=ctx().actor
    )
    return _template(view)


@router.get("/accounts/<id>/templates/<tid>", summary="One template", tags=TAGS)
def get_template(id: str, tid: str) -> TemplateResponse:
    view = container().template_service.get_template(ctx().tenant_id, require_id(id), require_id(tid, "template"))
    return _template(view)


@router.put("/accounts/<id>/templates/<tid>", summary="Edit a template (also one in use)", tags=TAGS)
def update_template(id: str, tid: str, body: UpdateTemplateRequest) -> TemplateResponse:
    view = container().template_service.update_template(
        ctx().tenant_id,
        require_id(id),
        require_id(tid, "template"),
        name=body.name,
        sync_changes=body.sync.changes() if body.sync else None,
        actor=ctx().actor,
    )
    return _template(view)


@router.delete(
    "/accounts/<id>/templates/<tid>",
    summary="Delete a template that is neither the default nor used by an offer",
    tags=TAGS,
    status_code=204,
)
def delete_template(id: str, tid: str) -> Response[None]:
    container().template_service.delete_template(
        ctx().tenant_id, require_id(id), require_id(tid, "template"), actor=ctx().actor
    )
    return no_content()


@router.post("/accounts/<id>/templates/<tid>/default", summary="Make the template the only default", tags=TAGS)
def make_default(id: str, tid: str) -> TemplateResponse:
    view = container().template_service.set_default(
        ctx().tenant_id, require_id(id), require_id(tid, "template"), actor=ctx().actor
    )
    return _template(view)
