"""Sets each request's replica routing state and pins a user who has written (config/replicas/pins.py).
Not loaded without DATABASE_REPLICA_URLS."""

import logging

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

from config.replicas import pins, state

log = logging.getLogger(__name__)
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ReplicaMiddleware:
    def __init__(self, get_response):
        if not settings.DATABASE_REPLICA_URLS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        token = state.set_request_pin(pins.RequestPin(request))
        try:
            response = self.get_response(request)
        finally:
            state.reset_request_pin(token)
        # Pages and API operations write only on these methods ("GET never writes orders", settings).
        if request.method in WRITING_METHODS:
            try:
                pins.pin_after_write(request, response)
            except Exception:  # the answer stands; the next reads may miss this write for a moment
                log.exception("could not pin the user to the primary after a write")
        return response
