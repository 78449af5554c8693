"""Poll one connection now: `channel_sync ID [--since 2026-11-01]` prints the poll's counts as JSON."""

import json
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from channels.connections.models import Connection
from channels.errors import ChannelError
from channels.intake.polling import connection_poll


def since_value(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(f"--since {text!r} is not a date (2026-11-01) or a date and time (ISO 8601).")
        moment = datetime.combine(day, time.min)
    return (
        moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.get_default_timezone())
    )


class Command(BaseCommand):
    help = "Run one poll of a connection now and print its counts."

    def add_arguments(self, parser):
        parser.add_argument("connection_id", type=int)
        parser.add_argument(
            "--since", default="", help="Read orders changed since then (default: the cursor)."
        )

    def handle(self, *args, connection_id: int, since: str, **options):
        if not Connection.objects.filter(pk=connection_id).exists():
            raise CommandError(f"There is no connection {connection_id}.")
        try:
            run = connection_poll(connection_id=connection_id, since=since_value(since) if since else None)
        except (ChannelError, ValueError) as error:
            raise CommandError(str(error)) from error
        counts = {"run": run.pk, "state": run.state, **run.counts()}
        if run.error:
            counts["error"] = run.error
        self.stdout.write(json.dumps(counts))
        if run.state != run.State.DONE:
            raise CommandError(run.error or "The poll did not finish.")
