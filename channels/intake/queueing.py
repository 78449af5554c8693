"""Asking workers to apply what was stored, by task name (services never import task modules).

A storm of webhooks asks for the same drain hundreds of times a second: each process sends at most
one message a window per connection at once, and one more at the window's end for what arrived
meanwhile, so every stored delivery is followed by a drain that starts after it."""

import threading
import time

from celery import current_app

from channels.intake.models import Delivery

PROCESS_TASK = "channels.process_deliveries"
WINDOW = 1.0
_window_started: dict[int, float] = {}
_trailing: set[int] = set()
_window_lock = threading.Lock()


def queue_processing(connection_id: int) -> None:
    now = time.monotonic()
    with _window_lock:
        started = _window_started.get(connection_id)
        if started is None or now - started >= WINDOW:
            _window_started[connection_id] = now
            _trailing.discard(connection_id)
            countdown = None
        elif connection_id not in _trailing:
            _trailing.add(connection_id)
            countdown = started + WINDOW - now
        else:
            return
    current_app.send_task(PROCESS_TASK, args=[connection_id], countdown=countdown)


def queue_backlog(connection_id: int) -> None:
    if Delivery.objects.filter(connection_id=connection_id, state=Delivery.State.RECEIVED).exists():
        queue_processing(connection_id)
