"""The JSON API v1 at /api/v1/ (issue 18): django-ninja, bearer tokens, problem+json errors.
Each app adds its router here; the endpoints themselves live in the apps (orders/api.py)."""

import copy
from functools import wraps

from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from config.api import problems, ratelimit
from config.replicas import replica_reads

READ_METHODS = frozenset({"GET", "HEAD"})


def _errors_as_problems(schema: dict) -> dict:
    """Error answers declared as what they are, application/problem+json, so that clients and the
    schema checks (tests/api/test_schemathesis.py) hold them to the Problem schema."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content[problems.CONTENT_TYPE] = content.pop("application/json")
    return schema


class PacklineAPI(NinjaAPI):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schemas: dict[str, dict] = {}  # path prefix -> the OpenAPI document, made once per process

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        """The OpenAPI document, made from the code once per process: pydantic takes most of a second
        of CPU to build it, and the documentation page asks for it on every visit. Each caller gets
        its own copy."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._schemas:
            self._schemas[path_prefix] = _errors_as_problems(
                super().get_openapi_schema(path_prefix=path_prefix)
            )
        return copy.deepcopy(self._schemas[path_prefix])


api = PacklineAPI(
    title="Packline",
    version="1",
    description=(
        "Orders as on the pages, through the same rules. Authenticate with a personal access token "
        "(`Authorization: Bearer pl_…`, created on your API tokens page). Errors are "
        "application/problem+json (RFC 9457). See docs/api.md."
    ),
    urls_namespace="api-1",
    docs=Swagger(settings={"persistAuthorization": False}),
)
problems.register(api)


def _routers() -> None:
    from fulfilment.api import router as fulfilment_router
    from orders.api import router as orders_router
    from orders.api_actions import router as order_actions_router
    from orders.api_batch import router as order_batch_router
    from orders.api_customers import router as customers_router
    from orders.api_edits import router as order_edits_router
    from orders.jobs.api import router as jobs_router
    from orders.money.api import router as order_money_router

    api.add_router("/", order_batch_router)  # before /orders/{number}, which would take "batch"
    api.add_router("/", orders_router)
    api.add_router("/", order_actions_router)
    api.add_router("/", order_edits_router)
    api.add_router("/", order_money_router)
    api.add_router("/", fulfilment_router)
    api.add_router("/", customers_router)
    api.add_router("/", jobs_router)


_routers()


def _with_rate_headers(view):
    @wraps(view)  # keeps ninja's csrf_exempt
    def answer(request, *args, **kwargs):
        if request.method in READ_METHODS:
            with replica_reads():  # the API's reads may come from a read replica (config/replicas)
                return ratelimit.add_headers(request, view(request, *args, **kwargs))
        return ratelimit.add_headers(request, view(request, *args, **kwargs))

    answer.login_required = False
    return answer


def urls():
    """The API's URLs: each exempt from the site's login redirect (the API answers 401 problems, and
    its documentation is readable before one has a token), each answer with its RateLimit headers."""
    patterns, app_name, namespace = api.urls
    wrapped = [
        URLPattern(pattern.pattern, _with_rate_headers(pattern.callback), pattern.default_args, pattern.name)
        if isinstance(pattern, URLPattern)
        else pattern
        for pattern in patterns
    ]
    return wrapped, app_name, namespace
