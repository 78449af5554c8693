"""Input every view can trust: no NUL characters and no value longer than a field could hold, checked
once here for every query parameter and form field, before any view or form sees the request."""

import pghistory.middleware
from django.core.exceptions import BadRequest
from django.http import QueryDict

# The longest query parameter any page needs (a search term, a page cursor, a filter) and the longest
# form field (free text such as notes: the CSV import's longest cell). Columns with a smaller limit are
# checked by their forms.
MAX_QUERY_VALUE = 2_000
MAX_FORM_VALUE = 100_000


def input_problem(values: QueryDict, where: str, limit: int) -> str | None:
    """Why these parameters are refused, in words a person can act on, or None."""
    for name, items in values.lists():
        shown = repr(name[:40].replace("\x00", "\\x00"))
        if "\x00" in name:
            return f"The {where} has a parameter whose name contains a NUL character (%00): {shown}."
        for value in items:
            if "\x00" in value:
                return f"The {where} {shown} contains a NUL character (%00); remove it and try again."
            if len(value) > limit:
                return (
                    f"The {where} {shown} is {len(value):,} characters long; at most {limit:,} are accepted."
                )
    return None


class InputLimitsMiddleware:
    """Answer 400 with the reason to a request with a NUL character or an over-long value (PostgreSQL
    text cannot hold NUL, and no field is longer than these limits)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = input_problem(request.GET, "query parameter", MAX_QUERY_VALUE)
        if problem is None and request.method == "POST":
            problem = input_problem(request.POST, "form field", MAX_FORM_VALUE)
        if problem is not None:
            raise BadRequest(problem)
        return self.get_response(request)


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's: names the user behind database-level changes. A shop's webhook has no user and
    writes no tracked table (it stores a delivery), and its context would cost a statement per query
    on the path that must accept hundreds of deliveries a second."""

    SKIPPED_PREFIXES = ("/channels/webhooks/",)

    def __call__(self, request):
        if request.path.startswith(self.SKIPPED_PREFIXES):
            return self.get_response(request)
        return super().__call__(request)


class BrandedErrorPagesMiddleware:
    """With DEBUG on, Django answers an unknown address or a failing view with its own debug page. The
    demo (`make run`) runs with DEBUG on, so people trying Packline met Django's yellow pages instead of
    Packline's. This shows the handlers' pages (config/urls.py handler404/400/500) in debug mode too,
    and logs the traceback to the console as Django does. TECHNICAL_ERROR_PAGES=1 brings Django's debug
    pages back; with DEBUG off Django already uses the handlers, so the middleware is not loaded (and
    the test client still raises a view's exception in tests)."""

    def __init__(self, get_response):
        from django.conf import settings
        from django.core.exceptions import MiddlewareNotUsed

        if not settings.DEBUG or settings.TECHNICAL_ERROR_PAGES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    @staticmethod
    def _handler(request, status: int):
        from django.urls import get_resolver

        return get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(status)

    def __call__(self, request):
        from django.urls import Resolver404, resolve

        # An unknown address fails in URL resolution, before any view or process_exception.
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404 as error:
            return self._handler(request, 404)(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        import logging

        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
        from django.http import Http404

        if isinstance(exception, Http404):
            return self._handler(request, 404)(request, exception)
        if isinstance(exception, PermissionDenied):
            return None  # Django shows handler403 in debug mode too
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return self._handler(request, 400)(request, exception)
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        response = self._handler(request, 500)(request)
        response._has_been_logged = True  # with its traceback, above; Django would log it again without
        return response
