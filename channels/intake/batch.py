"""Many waiting deliveries of one connection applied together (the backlog of a webhook storm): the
decisions are platform_order_apply's and order_create's, the SQL is batched. New shop orders are created
in one OrderBatchCreator batch (orders/services/create_many.py: the same validation, hold checks, initial
status, payment and events as order_create); everything else (a second version of a known order, a
cancellation, a refund at creation) goes through channels/intake/apply.py one by one.
tests/channels/test_batch_intake.py holds the batch form equal to the single form."""

import logging
from collections import defaultdict

from django.db import connection as db
from django.db import transaction

from channels.connections.models import Connection
from channels.intake.apply import Applied, order_input, shop_actor
from channels.intake.models import Delivery, PlatformOrderLink
from channels.intake.processing import (
    FetchLater,
    apply_safely,
    delivery_apply,
    read_delivery,
    record,
    wait_for_fetch,
    waiting_deliveries,
)
from channels.marketplaces import platform
from channels.marketplaces.base import PlatformOrder
from config.postgresql.lookups import sql_array
from orders.errors import OrderInvalid
from orders.services.create_many import OrderBatchCreator
from orders.services.planned import CREATED, HELD, SKIPPED, BatchOrder


def _lock_links(connection: Connection, platform_order_ids: list[str]) -> dict[str, PlatformOrderLink]:
    """Each platform order's link, created when missing, locked in id order: workers taking
    overlapping batches queue behind each other instead of deadlocking."""
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PlatformOrderLink._meta.db_table} (connection_id, platform_order_id, payload, "
            "refunds_recorded) SELECT %s, unnest(%s::text[]), '{}', '[]' ON CONFLICT DO NOTHING",
            [connection.pk, sql_array(sorted(platform_order_ids))],
        )
    links = (
        PlatformOrderLink.objects.select_for_update()
        .filter(connection=connection, platform_order_id__in=platform_order_ids)
        .order_by("pk")
    )
    return {link.platform_order_id: link for link in links}


def _creatable(link: PlatformOrderLink, platform_order: PlatformOrder) -> bool:
    """What the batch may create; anything else is the single path's to decide."""
    return (
        link.order_id is None
        and link.applied_updated_at is None
        and platform_order.cancelled_at is None
        and not platform_order.refunds
    )


def deliveries_apply_batch(
    connection: Connection, deliveries: list[Delivery], creator: OrderBatchCreator
) -> dict:
    """Apply these locked, waiting deliveries; call inside a transaction. Returns outcome counts."""
    adapter = platform(connection.kind)
    counts: dict[str, int] = defaultdict(int)
    readable: list[tuple[PlatformOrder, Delivery]] = []
    for delivery in deliveries:
        if delivery.source != Delivery.Source.WEBHOOK:
            counts[delivery_apply(delivery=delivery, connection=connection).outcome] += 1
            continue
        try:
            read = read_delivery(adapter, delivery, connection)
        except FetchLater as later:
            counts[wait_for_fetch(delivery, later).outcome] += 1
            continue
        if read is None or isinstance(read, str):
            result = (
                Applied("skipped", None, [f"topic {delivery.topic!r} carries no order"])
                if read is None
                else Applied("failed", None, [read])
            )
            record(delivery, result)
            counts[result.outcome] += 1
            continue
        readable.append((read, delivery))
    for (platform_order, delivery), result in zip(
        readable, platform_orders_apply_batch(connection, [po for po, _ in readable], creator), strict=True
    ):
        record(delivery, result, platform_order)
        counts[result.outcome] += 1
    return counts


def platform_orders_apply_batch(
    connection: Connection, platform_orders: list[PlatformOrder], creator: OrderBatchCreator
) -> list[Applied]:
    """platform_order_apply for each version, in batch: what each one did, in the order given."""
    results: list[Applied | None] = [None] * len(platform_orders)
    if not platform_orders:
        return []
    versions: dict[str, list[int]] = defaultdict(list)
    for index, platform_order in enumerate(platform_orders):
        versions[platform_order.platform_order_id].append(index)
    links = _lock_links(connection, list(versions))
    to_create: list[int] = []
    one_by_one: list[int] = []
    for platform_order_id, indexes in versions.items():
        indexes.sort(key=lambda index: platform_orders[index].updated_at)
        newest = indexes[-1]
        if _creatable(links[platform_order_id], platform_orders[newest]):
            # Older versions of an order created here from its newest one: what the single path does
            # with a version older than the one applied.
            for older in indexes[:-1]:
                results[older] = Applied(
                    "stale", None, ["a newer version arrived in the same batch; not applied"]
                )
            to_create.append(newest)
        else:
            one_by_one.extend(indexes)
    created = _create(
        connection,
        [(platform_orders[i], links[platform_orders[i].platform_order_id]) for i in to_create],
        creator,
    )
    for index, result in zip(to_create, created, strict=True):
        if result is None:  # the batch declined it (taken meanwhile): the single path decides
            one_by_one.append(index)
        else:
            results[index] = result
    for index in sorted(one_by_one, key=lambda index: platform_orders[index].updated_at):
        results[index] = apply_safely(connection, platform_orders[index])
    return results


def _create(connection: Connection, wanted: list[tuple[PlatformOrder, PlatformOrderLink]], creator) -> list:
    """New shop orders created in one batch: each one's Applied, or None when the batch declined it."""
    if not wanted:
        return []
    items = [
        BatchOrder(
            key=index,
            data=order_input(connection, platform_order, batched=True),
            source_detail=f"{connection.label} store {connection.name}, order {platform_order.number}",
        )
        for index, (platform_order, _link) in enumerate(wanted)
    ]
    planned = creator.write(creator.plan(items))
    done: list[Applied | None] = []
    line_ids: list[tuple[int, int, str]] = []
    for p, (platform_order, link) in zip(planned, wanted, strict=True):
        if p.result in (CREATED, HELD):
            order_id = p.order.pk
            link.order_id, link.applied_updated_at, link.payload = (
                order_id,
                platform_order.updated_at,
                platform_order.raw,
            )
            link.save(update_fields=["order", "applied_updated_at", "payload"])
            line_ids += [
                (order_id, position, line.platform_line_id[:64])
                for position, line in enumerate(platform_order.lines)
                if line.platform_line_id
            ]
            done.append(Applied("created", order_id, [f"created {p.order.display_number}"]))
        elif p.result == SKIPPED:
            done.append(None)
        else:
            done.append(Applied("failed", None, [str(OrderInvalid(p.errors))]))
    if line_ids:
        # The shop's line ids, which batched creation's COPY layout leaves out (only shop orders have them).
        with db.cursor() as cursor:
            cursor.execute(
                "UPDATE orders_orderline l SET channel_line_id = v.line_id "
                "FROM unnest(%s::bigint[], %s::int[], %s::text[]) AS v(order_id, position, line_id) "
                "WHERE l.order_id = v.order_id AND l.position = v.position",
                [[o for o, _, _ in line_ids], [p for _, p, _ in line_ids], [i for _, _, i in line_ids]],
            )
    return done


logger = logging.getLogger(__name__)
BATCH_SIZE = 200
DRAIN_LIMIT = 5000  # deliveries one task applies before it hands over to a new message


def deliveries_process(*, connection_id: int, limit: int = DRAIN_LIMIT) -> dict:
    """Work through a connection's backlog BATCH_SIZE deliveries per transaction; several workers share
    it (SKIP LOCKED)."""
    connection = Connection.objects.select_related("channel").get(pk=connection_id)
    counts: dict[str, int] = defaultdict(int)
    if connection.paused or connection.needs_authorisation:  # they wait for the resume or the consent
        return counts
    creator = OrderBatchCreator(actor=shop_actor(connection), source=connection.kind)
    done = 0
    while done < limit:
        with transaction.atomic():
            deliveries = list(
                waiting_deliveries(connection_id)
                .select_for_update(skip_locked=True)
                .order_by("id")[: min(BATCH_SIZE, limit - done)]
            )
            if not deliveries:
                break
            try:
                with transaction.atomic():
                    applied = deliveries_apply_batch(connection, deliveries, creator)
            except Exception:  # a defect in the batch form must not stall the backlog: one by one instead
                logger.exception(
                    "connection %s: batch of %s deliveries failed; applying one by one",
                    connection_id,
                    len(deliveries),
                )
                creator = OrderBatchCreator(actor=shop_actor(connection), source=connection.kind)
                applied = defaultdict(int)
                for delivery in deliveries:
                    delivery.refresh_from_db()
                    applied[delivery_apply(delivery=delivery, connection=connection).outcome] += 1
            for outcome, count in applied.items():
                counts[outcome] += count
        done += len(deliveries)
    return counts
