"""Errors as application/problem+json (RFC 9457): type, title, status, detail, and for invalid input
the fields at fault. Domain refusals keep the sentence the pages show."""

import logging
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import BaseModel

from orders.errors import DuplicateOrder, MoneyRefused, OrderError, OrderInvalid, StaleEdit, TransitionRefused

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE = "https://packline.invalid/problems/"  # + a slug; docs/api.md lists them


class FieldProblem(BaseModel):
    field: str
    detail: str


class Problem(BaseModel):
    """An error answer (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldProblem] | None = None


def problem(
    status: int, detail: str = "", *, slug: str = "", title: str = "", errors: list[dict] | None = None
) -> HttpResponse:
    body = Problem(
        type=PROBLEM_TYPE + slug if slug else "about:blank",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=[FieldProblem(**error) for error in errors] if errors is not None else None,
    )
    return HttpResponse(body.model_dump_json(exclude_none=True), status=status, content_type=CONTENT_TYPE)


def _field_name(location: list) -> str:
    """ "lines[0].quantity" from ninja's ["body", "payload", "lines", 0, "quantity"]."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def invalid(*problems: tuple[str, str], source: str = "body") -> ValidationError:
    """A 422 naming each field as ninja's own validation does: ("selection.ids.3", "…") becomes the
    field "selection.ids[3]" in the answer."""
    return ValidationError(
        [
            {
                "loc": [source, *(int(part) if part.isdigit() else part for part in field.split("."))],
                "msg": detail,
            }
            for field, detail in problems
        ]
    )


def form_problems(form, *, prefix: str = "") -> list[tuple[str, str]]:
    """A page form's errors as (field, message) pairs for `invalid`; errors of the whole form name the
    prefix (or the body)."""
    return [
        (f"{prefix}{field}" if field != "__all__" else (prefix.rstrip(".") or "body"), " ".join(messages))
        for field, messages in form.errors.items()
    ]


def _invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(error.get("loc", [])), "detail": error.get("msg", "")} for error in exc.errors
    ]
    return problem(
        422,
        "The request has invalid fields: " + "; ".join(f"{e['field']}: {e['detail']}" for e in errors),
        slug="invalid-input",
        title="Invalid input",
        errors=errors,
    )


def _order_invalid(request: HttpRequest, exc: OrderInvalid) -> HttpResponse:
    errors = [{"field": field, "detail": " ".join(messages)} for field, messages in exc.errors.items()]
    return problem(422, str(exc), slug="invalid-order", title="The order cannot be created", errors=errors)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if isinstance(exc, AuthenticationError) and detail == "Unauthorized":  # no bearer token at all
        detail = "Send a personal access token: Authorization: Bearer pl_… (see your API tokens page)."
    response = problem(exc.status_code, detail)
    if isinstance(exc, AuthenticationError):
        response["WWW-Authenticate"] = 'Bearer realm="Packline API"'
    if isinstance(exc, Throttled) and exc.wait is not None:
        response["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    return response


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer for an order that does not exist and one the token's user may not see.
    return problem(404, str(exc) if exc.args else "Not found.")


def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(403, str(exc) or "Your role does not allow this.")


def _refusal(status: int, slug: str, title: str):
    def handler(request: HttpRequest, exc: OrderError) -> HttpResponse:
        return problem(status, str(exc), slug=slug, title=title)

    return handler


def _duplicate(request: HttpRequest, exc: DuplicateOrder) -> HttpResponse:
    return problem(409, str(exc), slug="duplicate-order", title="The order already exists")


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request %s %s failed", request.method, request.path, exc_info=exc)
    return problem(500, "Something went wrong on our side; it has been logged.")


def register(api: NinjaAPI) -> None:
    """Ninja picks the handler of the exception's nearest class in its MRO."""
    api.add_exception_handler(Exception, _server_error)
    api.add_exception_handler(ValidationError, _invalid_input)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(PermissionDenied, _permission_denied)
    api.add_exception_handler(OrderInvalid, _order_invalid)
    api.add_exception_handler(DuplicateOrder, _duplicate)
    api.add_exception_handler(StaleEdit, _refusal(412, "stale", "The order changed meanwhile"))
    api.add_exception_handler(TransitionRefused, _refusal(409, "transition-refused", "Not allowed now"))
    api.add_exception_handler(MoneyRefused, _refusal(409, "money-refused", "Not allowed now"))
    api.add_exception_handler(OrderError, _refusal(409, "refused", "Not allowed now"))
