"""The one place that turns timeline events into webhook messages, for every path that writes them.

The timeline is the one record of what happened (orders/events.py), and it is written two ways: one
row at a time by the ORM (events.record) and thousands at a time by COPY (mass changes, imports,
batched creation, allocation). So the outbox is written by the database: a statement trigger on the
timeline table reads the rows the statement inserted and, in the same transaction, inserts one
message per (event, subscription that wants its webhook type). The same rows give the same messages
whichever path wrote them, and a rolled-back change leaves no message behind.

EVENT_MAP below is the mapping; `function_sql()` compiles it into the trigger function, which
migration 0016 installs. Changing EVENT_MAP needs a migration that runs `function_sql()` again:
tests/orders/webhooks/test_outbox.py fails until the installed function matches this module.

Cost when nobody subscribes: one indexed EXISTS per INSERT or COPY statement on the timeline.
"""

from orders.webhooks.models import WebhookEvent as W

# (timeline event type, the status.changed move's new stage or None, webhook type). One timeline
# event may give several: a move into Shipped is both order.status_changed and order.shipped.
EVENT_MAP: tuple[tuple[str, str | None, str], ...] = (
    ("order.created", None, W.ORDER_CREATED),
    ("order.edited", None, W.ORDER_UPDATED),
    ("order.assigned", None, W.ORDER_UPDATED),
    ("line.cancelled", None, W.ORDER_UPDATED),
    ("line.replaced", None, W.ORDER_UPDATED),
    ("line.moved", None, W.ORDER_UPDATED),
    ("status.changed", None, W.ORDER_STATUS_CHANGED),
    ("status.changed", "shipped", W.ORDER_SHIPPED),
    ("status.changed", "cancelled", W.ORDER_CANCELLED),
    ("status.changed", "returned", W.ORDER_RETURNED),
    ("hold.placed", None, W.ORDER_HELD),
    ("hold.released", None, W.ORDER_RELEASED),
    ("payment.recorded", None, W.PAYMENT_RECORDED),
    ("refund.recorded", None, W.REFUND_RECORDED),
)

FUNCTION = "orders_webhook_outbox"
TRIGGER = "orders_orderevent_webhook_outbox"


def _literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def function_sql() -> str:
    rows = ",\n        ".join(
        f"({position}, {_literal(timeline)}, {_literal(stage)}, {_literal(str(hook))})"
        for position, (timeline, stage, hook) in enumerate(EVENT_MAP)
    )
    return f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM orders_webhooksubscription WHERE active) THEN
        RETURN NULL;
    END IF;
    INSERT INTO orders_webhookmessage (subscription_id, event_type, order_id, payload)
    SELECT s.id, m.hook, e.order_id, jsonb_build_object(
        'type', m.hook,
        'timestamp', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'data', jsonb_build_object(
            'id', o.id, 'number', o.number, 'channel_order_number', o.channel_order_number,
            'status', st.label, 'status_code', st.code, 'stage', o.stage, 'version', o.version,
            'event', jsonb_build_object('type', e.type, 'params', e.params)))
    FROM new_events e
    JOIN (VALUES
        {rows}
    ) AS m(position, timeline, stage, hook)
      ON m.timeline = e.type AND (m.stage IS NULL OR m.stage = e.params->>'new_stage')
    JOIN orders_webhooksubscription s ON s.active AND m.hook = ANY (s.events)
    JOIN orders_order o ON o.id = e.order_id
    JOIN orders_status st ON st.id = o.status_id
    ORDER BY e.id, s.id, m.position;
    RETURN NULL;
END
$body$;"""


TRIGGER_SQL = (
    f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON orders_orderevent REFERENCING NEW TABLE AS new_events "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();"
)
DROP_SQL = f"DROP TRIGGER IF EXISTS {TRIGGER} ON orders_orderevent; DROP FUNCTION IF EXISTS {FUNCTION}();"
