"""Every connection's health in one statement: when it last synced successfully, what failed, what
waits, which tokens run out soon, and whether it is failing (the managers' banner)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from channels.connections.models import Connection, SyncRun
from channels.intake.models import Delivery
from channels.marketplaces import platform
from channels.marketplaces.base import TokenExpiry, token_expiries_of
from orders.models import Order

FAILING_AFTER = timedelta(hours=1)  # no successful sync for longer than this, with a failure meanwhile
TOKEN_SOON = timedelta(days=30)  # a token only a person can renew is mentioned this long before it ends


def local_day_start(now: datetime | None = None) -> datetime:
    """Midnight of today in the current (the user's) time zone."""
    today = timezone.localdate(now)
    return timezone.make_aware(datetime.combine(today, time.min))


def in_words(span: timedelta) -> str:
    """A span as people say it on a busy screen: "under a minute", "40 min", "3 h", "12 days"."""
    minutes = int(abs(span).total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def _count(rows: QuerySet) -> Subquery:
    """COUNT of a correlated subquery: a plain Func, so that no GROUP BY is added to it."""
    counted = rows.order_by().annotate(counted=Func(F("pk"), function="COUNT")).values("counted")
    return Subquery(counted, output_field=IntegerField())


@dataclass(frozen=True)
class Health:
    as_of: datetime  # the moment the figures were read; the words below count from it
    created_at: datetime  # the connection's: "no successful sync" counts from it when it never synced
    last_webhook_at: datetime | None
    last_poll_at: datetime | None
    last_poll_state: str | None  # SyncRun.State of the newest poll
    last_success_at: datetime | None  # a poll, backfill or reconciliation done, or a webhook applied
    orders_today: int
    failed_24h: int  # deliveries that failed, received in the last 24 h
    failed_runs_24h: int  # polls, backfills and reconciliations that failed in the last 24 h
    failed_last_hour: int  # deliveries and runs that failed in the last hour, refused signatures included
    refused_signatures: int  # webhooks refused for a bad signature, when the last was within 24 h
    backlog: int  # deliveries waiting to be applied
    pushes_pending: int  # tracking pushes waiting to be sent
    pushes_failed: int  # tracking pushes given up on: a person retries
    tokens: tuple[TokenExpiry, ...] = ()
    paused: bool = False

    @property
    def last_poll_state_label(self) -> str:
        return SyncRun.State(self.last_poll_state).label if self.last_poll_state else ""

    @property
    def lag(self) -> timedelta:
        """How long since the last successful sync (since the connection was made when none yet)."""
        return self.as_of - (self.last_success_at or self.created_at)

    @property
    def lag_words(self) -> str:
        if self.last_success_at is None:
            return "No successful sync yet"
        return f"Last successful sync {in_words(self.lag)} ago"

    @property
    def failures_words(self) -> str:
        parts = []
        if self.failed_24h:
            parts.append(f"{self.failed_24h} failed deliver{'y' if self.failed_24h == 1 else 'ies'}")
        if self.failed_runs_24h:
            parts.append(f"{self.failed_runs_24h} failed sync{'' if self.failed_runs_24h == 1 else 's'}")
        if self.refused_signatures:
            plural = "" if self.refused_signatures == 1 else "s"
            parts.append(f"{self.refused_signatures} refused signature{plural}")
        return f"{', '.join(parts)} in 24 h" if parts else "No failures in 24 h"

    @property
    def pushes_words(self) -> str:
        waiting = self.pushes_pending
        words = f"{waiting} push{'' if waiting == 1 else 'es'} waiting" if waiting else "no pushes waiting"
        words = f"Tracking: {words}"
        if self.pushes_failed:
            words += f", {self.pushes_failed} given up"
        return words

    @property
    def tokens_expiring(self) -> tuple[TokenExpiry, ...]:
        """Tokens only the seller's consent renews, ending within TOKEN_SOON (or already ended)."""
        return tuple(
            token
            for token in self.tokens
            if not token.renews_itself and token.expires_at - self.as_of <= TOKEN_SOON
        )

    def token_words(self, token: TokenExpiry) -> str:
        left = token.expires_at - self.as_of
        name = token.name[:1].upper() + token.name[1:]
        said = (
            f"{name} expires in {in_words(left)}"
            if left > timedelta(0)
            else f"{name} expired {in_words(left)} ago"
        )
        return said + (" (renewed by itself)" if token.renews_itself else "")

    @property
    def token_lines(self) -> list[tuple[str, bool]]:
        """Every token's expiry in words, and whether it needs a person soon."""
        soon = self.tokens_expiring
        return [(self.token_words(token), token in soon) for token in self.tokens]

    @property
    def troubled(self) -> bool:
        return bool(
            self.failed_24h
            or self.failed_runs_24h
            or self.refused_signatures
            or self.pushes_failed
            or self.tokens_expiring
            or self.last_poll_state == SyncRun.State.FAILED
        )


def connections_with_health(*, now: datetime | None = None) -> QuerySet[Connection]:
    """Connections with their health figures annotated, each a subquery of the one statement (every
    count runs on an index: the sync log's by connection and time, the backlog's partial index)."""
    from channels.tracking.models import TrackingPush

    now = now or timezone.now()
    day_ago, hour_ago = now - timedelta(hours=24), now - FAILING_AFTER
    deliveries = Delivery.objects.filter(connection=OuterRef("pk"))
    runs = SyncRun.objects.filter(connection=OuterRef("pk"))
    pushes = TrackingPush.objects.filter(connection=OuterRef("pk"))
    return Connection.objects.select_related("warehouse", "channel").annotate(
        newest_webhook_at=Subquery(
            deliveries.filter(source=Delivery.Source.WEBHOOK)
            .order_by("-received_at")
            .values("received_at")[:1]
        ),
        newest_poll_state=Subquery(
            runs.filter(kind=SyncRun.Kind.POLL).order_by("-started_at", "-id").values("state")[:1]
        ),
        # The newest webhook applied (or found already applied) walks the sync log's index backwards.
        webhook_success_at=Subquery(
            deliveries.filter(
                source=Delivery.Source.WEBHOOK, state__in=(Delivery.State.APPLIED, Delivery.State.SKIPPED)
            )
            .order_by("-received_at")
            .values(at=Coalesce("processed_at", "received_at"))[:1],
            output_field=DateTimeField(),
        ),
        run_success_at=Subquery(
            runs.filter(state=SyncRun.State.DONE).order_by("-started_at", "-id").values("finished_at")[:1]
        ),
        orders_today=_count(
            Order.objects.filter(
                channel=OuterRef("channel_id"), created_at__gte=local_day_start(now), is_deleted=False
            )
        ),
        failed_24h=_count(deliveries.filter(state=Delivery.State.FAILED, received_at__gte=day_ago)),
        failed_runs_24h=_count(runs.filter(state=SyncRun.State.FAILED, finished_at__gte=day_ago)),
        # A delivery counts when it failed in the hour; received within the day keeps it on the index.
        failed_deliveries_hour=_count(
            deliveries.filter(
                state=Delivery.State.FAILED, received_at__gte=day_ago, processed_at__gte=hour_ago
            )
        ),
        failed_runs_hour=_count(runs.filter(state=SyncRun.State.FAILED, finished_at__gte=hour_ago)),
        backlog=_count(deliveries.filter(state=Delivery.State.RECEIVED)),
        pushes_pending=_count(pushes.filter(state=TrackingPush.State.PENDING)),
        pushes_failed=_count(pushes.filter(state=TrackingPush.State.FAILED)),
        refused_recently=ExpressionWrapper(Q(last_rejected_at__gte=day_ago), output_field=BooleanField()),
        refused_last_hour=ExpressionWrapper(Q(last_rejected_at__gte=hour_ago), output_field=BooleanField()),
    )


def health_of(connection: Connection, *, now: datetime) -> Health:
    """The Health of a connection read through connections_with_health(now=now)."""
    successes = [at for at in (connection.webhook_success_at, connection.run_success_at) if at]
    return Health(
        as_of=now,
        created_at=connection.created_at,
        last_webhook_at=connection.newest_webhook_at,
        last_poll_at=connection.last_poll_at,
        last_poll_state=connection.newest_poll_state,
        last_success_at=max(successes, default=None),
        orders_today=connection.orders_today,
        failed_24h=connection.failed_24h,
        failed_runs_24h=connection.failed_runs_24h,
        failed_last_hour=(
            connection.failed_deliveries_hour
            + connection.failed_runs_hour
            + (1 if connection.refused_last_hour else 0)
        ),
        refused_signatures=connection.rejected_deliveries if connection.refused_recently else 0,
        backlog=connection.backlog,
        pushes_pending=connection.pushes_pending,
        pushes_failed=connection.pushes_failed,
        tokens=token_expiries_of(platform(connection.kind), connection),
        paused=connection.paused,
    )


# Why a connection is failing --------------------------------------------------------------------------
# Each rule reads a connection (its fields and its .health) and answers the reason in words, or None.
# A new reason is one more line in FAILING_RULES.


def _not_syncing(connection: Connection) -> str | None:
    health = connection.health
    if health.lag > FAILING_AFTER and health.failed_last_hour:
        since = (
            "never synced"
            if health.last_success_at is None
            else f"no successful sync for {in_words(health.lag)}"
        )
        return f"{since}, and syncing failed in the last hour"
    return None


def _consent_lost(connection: Connection) -> str | None:
    """Failing at once, not after an hour: syncs wait for a new consent, so nothing recovers by itself."""
    if connection.authorisation_failed_at is not None:
        return (
            f"needs re-authorisation ({connection.authorisation_error or 'the platform refused its token'})"
        )
    return None


FAILING_RULES: tuple[Callable[[Connection], str | None], ...] = (_not_syncing, _consent_lost)


def failing_reason(connection: Connection) -> str | None:
    """Why the connection is failing, or None. A paused connection is never failing: a manager
    stopped it on purpose."""
    if connection.paused:
        return None
    reasons = [reason for rule in FAILING_RULES if (reason := rule(connection))]
    return "; ".join(reasons) or None


@dataclass(frozen=True)
class Failing:
    """A failing connection as the banner names it (plain values: it is cached)."""

    pk: int
    name: str
    label: str
    reason: str


def with_health(*, now: datetime | None = None, **filters) -> list[Connection]:
    """The connections (those matching `filters`), each with .health and .failing_reason set."""
    now = now or timezone.now()
    rows = list(connections_with_health(now=now).filter(**filters))
    for connection in rows:
        connection.health = health_of(connection, now=now)
        connection.failing_reason = failing_reason(connection)
    return rows


def failing(*, now: datetime | None = None) -> list[Failing]:
    """Every failing connection, in one statement."""
    rows = with_health(now=now, paused=False)
    return [
        Failing(pk=row.pk, name=row.name, label=row.label, reason=row.failing_reason)
        for row in rows
        if row.failing_reason
    ]
