"""The order timeline as HTML, built in Python: an order page shows hundreds of entries, and a template
loop with a chain of {% if %} per entry cost more than the rest of the page (SPEC 7's detail budget).

Entries are plain data (event params, names), never markup, so every value goes through `_e` (the
standard library's html.escape, without Django's lazy-string wrapper that doubled the page's time);
`describe` words one entry, `render_timeline` the list.
"""

import re
from html import escape as _escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone


def _e(value) -> str:
    return _escape("" if value is None else str(value))


_PARAGRAPH_BREAK = re.compile(r"\n{2,}")


def _paragraphs(text: str) -> str:
    """A note as paragraphs and line breaks, escaped (what Django's linebreaks filter makes)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return "\n\n".join(
        f"<p>{_e(paragraph).replace(chr(10), '<br>')}</p>" for paragraph in _PARAGRAPH_BREAK.split(text)
    )


def _changes(changes: list[dict]) -> str:
    return "".join(
        f'<div>{_e(change["field"])}: <span class="text-decoration-line-through text-secondary">'
        f"{_e(change['old'] or '—')}</span> → {_e(change['new'] or '—')}</div>"
        for change in changes
    )


def _join(values) -> str:
    return _e(", ".join(str(value) for value in values))


def _suffix(before: str, value, after: str = "") -> str:
    """ ", ref 123" when there is a value, nothing otherwise; `before` and `after` are markup."""
    return f"{before}{_e(value)}{after}" if value else ""


def _amount(p: dict) -> str:
    return f"{_e(p.get('amount', ''))} {_e(p.get('currency', ''))}"


def _money(type: str, p: dict) -> str | None:
    """Payments, expenses, refunds: the money records' wording (orders/money/services.py)."""
    reason = _e(p.get("reason", ""))
    match type:
        case "payment.recorded":
            return (
                f"Payment of {_amount(p)} recorded ({_e(p.get('method', ''))}"
                f"{_suffix(', ref ', p.get('reference'))}){_suffix(', collected by ', p.get('collected_by'))}"
            )
        case "payment.failed":
            return (
                f'<span class="text-danger">Payment of {_amount(p)} failed</span> '
                f"({_e(p.get('method', ''))}): {reason}"
            )
        case "payment.reversed":
            return f"Payment {_e(p.get('payment', ''))} of {_amount(p)} reversed: {reason}"
        case "expense.recorded":
            return (
                f"Expense {_e(str(p.get('category', '')).lower())} {_amount(p)} paid by "
                f"{_e(p.get('paid_by', ''))}{_suffix(': ', p.get('note'))}"
            )
        case "expense.reversed":
            return f"Expense {_e(p.get('expense', ''))} of {_amount(p)} reversed: {reason}"
        case "refund.recorded":
            return (
                f"Refund of {_amount(p)} recorded ({_e(str(p.get('kind', '')).lower())}"
                f"{_suffix(' ', p.get('return_number'))}): {reason}"
            )
        case "refund.executed":
            return (
                f"Refund {_e(p.get('refund', ''))} of {_amount(p)} paid out, ref {_e(p.get('reference', ''))}"
            )
        case "refund.reversed":
            return f"Refund {_e(p.get('refund', ''))} of {_amount(p)} reversed: {reason}"
    return None


def _fulfilment(type: str, p: dict) -> str | None:
    """Stock, picking, packing, shipping and returns (the fulfilment app's events)."""
    match type:
        case "stock.allocation":
            allocated = _suffix(" allocated ", p.get("allocated") and ", ".join(map(str, p["allocated"])))
            released = _suffix(" released ", p.get("released") and ", ".join(map(str, p["released"])))
            backordered = _suffix(
                ' <span class="text-danger">backordered ',
                p.get("backordered") and ", ".join(map(str, p["backordered"])),
                "</span>",
            )
            return f"Stock{allocated}{released}{backordered}"
        case "picklist.created":
            return f"On picklist {_e(p.get('picklist', ''))}"
        case "order.packed":
            packages = p.get("packages", 0)
            plural = "" if packages == 1 else "s"
            return f"Packed in {_e(packages)} package{plural}, {_e(p.get('weight_grams', ''))} g"
        case "shipment.created":
            tracking = _suffix(
                ' · tracking <span class="font-monospace">', p.get("tracking_number"), "</span>"
            )
            return (
                f"Shipped {_join(p.get('lines', []))} with {_e(p.get('carrier'))} "
                f"{_e(p.get('service', ''))}{tracking}"
            )
        case "line.cancelled":
            return f"Line {_e(p.get('sku', ''))} cancelled{_suffix(': ', p.get('reason'))}"
        case "line.replaced":
            return f"Line {_e(p.get('old', ''))} replaced by {_e(p.get('new', ''))} ({_e(p.get('quantity', ''))})"
        case "line.moved":
            return f"Line {_e(p.get('sku', ''))} moved from {_e(p.get('old', ''))} to {_e(p.get('new', ''))}"
        case "return.created":
            return (
                f"Return {_e(p.get('number', ''))} created ({_e(p.get('reason', ''))}): "
                f"{_join(p.get('lines', []))}"
            )
        case "return.received":
            return f"Return {_e(p.get('number', ''))} received: {_join(p.get('lines', []))}"
        case "return.closed":
            return f"Return {_e(p.get('number', ''))} closed{_suffix(': ', p.get('reason'))}"
        case "document.printed":
            return f"Printed the {_e(str(p.get('document', '')).lower())}"
    return None


def _imported(type: str, p: dict) -> str | None:
    """What an import noticed about the order it created (channels/csv/services.py)."""
    if type == "import.figures_differ":
        return " ".join(
            f"The file's {_e(d.get('figure', ''))} {_e(d.get('file', ''))} differs from the computed "
            f"{_e(d.get('computed', ''))}."
            for d in p.get("differences", [])
        )
    return None


def _describe(type: str, p: dict, from_database: bool) -> str:
    if from_database:
        return (
            f'<span class="badge text-bg-secondary">database change</span> {_changes(p.get("changes", []))}'
        )
    match type:
        case "order.created":
            return (
                f"Created from {_e(p.get('source', ''))}{_suffix(' (', p.get('detail'), ')')} "
                f"as {_e(p.get('status', ''))}."
            )
        case "status.changed":
            return (
                f"Status <strong>{_e(p.get('old'))}</strong> → <strong>{_e(p.get('new'))}</strong>"
                f"{_suffix(': ', p.get('reason'))}"
            )
        case "hold.placed":
            return f"Put on hold: {_e('; '.join(p.get('reasons', [])))}"
        case "hold.released":
            return f"Hold released{_suffix(' (', '; '.join(p.get('reasons') or []), ')')}"
        case "order.assigned":
            return f"{_e(p.get('role'))}: {_e(p.get('old') or 'nobody')} → {_e(p.get('new') or 'nobody')}"
        case "note.added":
            return f'<span class="text-body">{_paragraphs(str(p.get("text", "")))}</span>'
        case "order.edited":
            return _changes(p.get("changes", []))
        case "order.deleted":
            return f"Deleted: {_e(p.get('reason', ''))}"
        case "order.restored":
            return "Restored"
    wording = _money(type, p) or _fulfilment(type, p) or _imported(type, p)
    if wording is not None:
        return wording
    # A type nobody words yet still shows what happened rather than nothing.
    return f"{_e(type)} {_e(p)}"


def describe(type: str, p: dict, from_database: bool = False) -> SafeString:
    """The entry's sentence as safe HTML."""
    return mark_safe(_describe(type, p, from_database))  # every value inside went through _e()


def _item(entry, zone) -> str:
    return (
        f'<li class="list-group-item small" data-event="{_e(entry.type)}"><div class="d-flex gap-2">'
        f'<span class="text-secondary text-nowrap">{entry.at.astimezone(zone):%d %b %Y %H:%M}</span>'
        f'<span class="fw-semibold">{_e(entry.actor)}</span></div>'
        f"<div>{_describe(entry.type, entry.params, entry.from_database)}</div></li>"
    )


def render_timeline(entries, testid: str) -> SafeString:
    """The timeline list, in the order given (newest first); "Nothing yet." when empty."""
    zone = get_current_timezone()
    items = "".join(_item(entry, zone) for entry in entries) or (
        '<li class="list-group-item small text-secondary">Nothing yet.</li>'
    )
    return mark_safe(  # every value inside went through _e()
        f'<ol class="list-group list-group-flush timeline" data-testid="{_e(testid)}">{items}</ol>'
    )
