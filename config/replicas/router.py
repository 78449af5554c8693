"""The database router: replica-safe reads (config/replicas/state.replica_reads) to a healthy replica,
everything else to the primary ("default"). Installed only with DATABASE_REPLICA_URLS."""

import itertools

from django.db import connections

from config.replicas import health, state

# Never read from a replica: sign-in, sessions, permissions and tokens must see what was just written
# by any process (a new session, a token just made, a lockout), and they are small reads.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts", "axes", "contenttypes", "admin"})

_turn = itertools.count()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not state.replica_safe() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return "default"
        if connections["default"].in_atomic_block:
            return "default"  # a read inside a transaction sees that transaction
        return choose_replica() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def choose_replica() -> str | None:
    """A replica that is up, not lagging, reachable from this request and (for a user who has just
    written) replayed past their write; None for the primary. Requests take turns over the replicas."""
    aliases = health.replica_aliases()
    if not aliases:
        return None
    request = state.request_pin()
    pin = request.pin() if request is not None else None
    if request is not None and request.chosen in aliases:
        # One replica per request while it stays usable: two replicas at different points of replay
        # would show a page's count and its rows from different moments.
        order = [request.chosen, *(alias for alias in aliases if alias != request.chosen)]
    else:
        start = next(_turn) % len(aliases)
        order = aliases[start:] + aliases[:start]
    for alias in order:
        known = health.health(alias)
        if known.state != health.OK:
            continue
        if pin is not None and (known.replay_lsn or 0) < pin.lsn:
            if request is not None and alias in request.behind:
                continue  # checked once in this request: its reads stay on the primary
            known = health.check(alias)  # replayed past the write by now?
            if known.state != health.OK or (known.replay_lsn or 0) < pin.lsn:
                if request is not None:
                    request.behind.add(alias)
                continue
        if request is not None and alias not in request.connected:
            # Once per request: a replica stopped since its last check fails here, not in the view.
            try:
                connections[alias].close_if_health_check_failed()
                connections[alias].ensure_connection()
            except Exception as error:  # noqa: BLE001
                health.mark_down(alias, type(error).__name__)
                continue
            request.connected.add(alias)
        if request is not None:
            request.chosen = alias
        return alias
    return None
