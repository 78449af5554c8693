"""The order timeline as HTML, built in Python: an order page shows hundreds of entries, and a template
loop with a chain of {% if %} per entry cost more than the rest of the page (SPEC 7's detail budget).

Entries are plain data (event params, names), never markup, so every value goes through `e`
(orders/wording.py). Each event type's sentence comes from the app that registered the type
(orders/events.py, orders/money/events.py, fulfilment/events.py): one dict lookup per entry.
`describe` words one entry, `render_timeline` the list.
"""

from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone

from orders.events import describer
from orders.wording import changes, e


def _describe(type: str, p: dict, from_database: bool) -> str:
    if from_database:
        return f'<span class="badge text-bg-secondary">database change</span> {changes(p.get("changes", []))}'
    describe = describer(type)
    if describe is not None:
        return describe(p)
    # A type nobody registers (old data) still shows what happened rather than nothing.
    return f"{e(type)} {e(p)}"


def describe(type: str, p: dict, from_database: bool = False) -> SafeString:
    """The entry's sentence as safe HTML."""
    return mark_safe(_describe(type, p, from_database))  # every value inside went through e()


def _item(entry, zone) -> str:
    return (
        f'<li class="list-group-item small" data-event="{e(entry.type)}"><div class="d-flex gap-2">'
        f'<span class="text-secondary text-nowrap">{entry.at.astimezone(zone):%d %b %Y %H:%M}</span>'
        f'<span class="fw-semibold">{e(entry.actor)}</span></div>'
        f"<div>{_describe(entry.type, entry.params, entry.from_database)}</div></li>"
    )


def render_timeline(entries, testid: str) -> SafeString:
    """The timeline list, in the order given (newest first); "Nothing yet." when empty."""
    zone = get_current_timezone()
    items = "".join(_item(entry, zone) for entry in entries) or (
        '<li class="list-group-item small text-secondary">Nothing yet.</li>'
    )
    return mark_safe(  # every value inside went through e()
        f'<ol class="list-group list-group-flush timeline" data-testid="{e(testid)}">{items}</ol>'
    )
