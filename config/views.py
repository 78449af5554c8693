"""Project-wide views: the home dashboard, the health check and the error pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import BadRequest
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from config.replicas import health as replica_health
from config.replicas import replica_reads
from orders.dashboard.selectors import dashboard_for


@permission_required("accounts.view_dashboard", raise_exception=True)
@replica_reads()  # the dashboard's figures may come from a read replica (config/replicas)
def home(request: HttpRequest) -> HttpResponse:
    dashboard = dashboard_for(request.user)
    return render(
        request,
        "home.html",
        {
            "dashboard": dashboard,
            "chart_data": dashboard.activity.chart_data() if dashboard.activity else None,
        },
    )


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - a health check reports every failure
        return False, type(error).__name__
    return True, "ok"


def _broker_ok() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # noqa: BLE001 - a health check reports every failure
        return False, type(error).__name__
    return True, "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database_ok, database_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = database_ok and broker_ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": database_detail,
        "broker": broker_detail,
        "broker_transport": celery_app.connection_for_write().transport_cls,
    }
    if settings.DATABASE_REPLICA_URLS:
        # Each replica: ok, lagging or down, with its lag. The primary serves reads a replica cannot, so
        # a replica's state does not make the site unavailable.
        body["replicas"] = replica_health.report()
    return JsonResponse(body, status=200 if healthy else 503)


def _api_problem(request: HttpRequest | None, status: int, detail: str = "") -> HttpResponse | None:
    """The JSON API's clients get problem+json for the errors Django answers before the API runs (a NUL
    in a query parameter, a path no operation has, a crash in a middleware)."""
    if request is None or not request.path.startswith("/api/"):
        return None
    from config.api.problems import problem

    return problem(status, detail)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Input the application refuses (BadRequest carries the reason for the person who sent it); for
    Django's own SuspiciousOperation the reason stays in the log."""
    reason = str(exception) if isinstance(exception, BadRequest) else ""
    if api_answer := _api_problem(request, 400, reason):
        return api_answer
    return render(request, "errors/400.html", {"reason": reason}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if api_answer := _api_problem(request, 404, "No such API operation; see /api/v1/docs."):
        return api_answer
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if api_answer := _api_problem(request, 500, "Something went wrong on our side; it has been logged."):
        return api_answer
    # Rendered without a request context: the failure may come from a context processor.
    return render(None, "errors/500.html", status=500)
