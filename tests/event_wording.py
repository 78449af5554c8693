"""What the order page shows for an app's event types: each app's tests record one event of every type
it registers, with the parameters its services write, and compare the timeline's sentences."""

import re

from orders import events
from orders.actors import Actor
from orders.models import OrderEvent
from orders.timeline import order_timeline, render_timeline
from tests.factories import make_order

_ENTRY = re.compile(r'<li class="list-group-item small" data-event="([^"]*)">.*?<div>(.*?)</div></li>', re.S)


def types_registered_by(module: str) -> set[str]:
    """The codes whose wording lives in `module` (e.g. "fulfilment.events")."""
    return {event.code for event in events.registered_events() if event.describe.__module__ == module}


def constants_of(namespace: type) -> set[str]:
    """The event type constants a class such as FulfilmentEvent declares."""
    return {value for name, value in vars(namespace).items() if name.isupper()}


def shown_on_the_timeline(cases: dict[str, dict]) -> dict[str, str]:
    """Record each (type, params) on one order through events.record, render its timeline as the
    order page does, and return each type's sentence."""
    order = make_order()
    OrderEvent.objects.filter(order=order).delete()  # only the cases' entries
    for type, params in cases.items():
        events.record(order, Actor.system("tests"), type, **params)
    shown = dict(_ENTRY.findall(render_timeline(order_timeline(order), "timeline")))
    assert set(shown) == set(cases)
    return shown


def with_markup(value):
    """The same parameters with every text replaced by markup, which the timeline must escape."""
    if isinstance(value, str):
        return f'<b class="x">{value}</b>&'
    if isinstance(value, list):
        return [with_markup(item) for item in value]
    if isinstance(value, dict):
        return {key: with_markup(item) for key, item in value.items()}
    return value
