"""Channels' dashboard tile (registered in ChannelsConfig.ready()): the shop connections failing now,
for those who manage them, read from the same cached list as the managers' banner."""

from datetime import datetime

from django.urls import reverse

from channels.connections.services import MANAGE
from channels.context_processors import failing_connections_now
from orders.dashboard.registry import Tile


def channel_tiles(user, now: datetime) -> list[Tile]:
    if not user.has_perm(MANAGE):
        return []
    failing = len(failing_connections_now())
    return [
        Tile(
            "failing_connections",
            "Failing shop connections",
            "Needs attention",
            url=reverse("channels:connection_list"),
            value=f"{failing:,}",
            count=failing,
        )
    ]
