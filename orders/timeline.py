"""Wording of the common timeline entries, built in Python: an order page shows hundreds of entries,
and the template's chain of {% if %} per entry cost more than the rest of the page. Entries of other
types (money, returns) keep their wording in templates/orders/_timeline.html."""

from django.utils.html import escape, format_html, format_html_join, linebreaks
from django.utils.safestring import SafeString, mark_safe


def _changes(changes: list[dict]) -> SafeString:
    return format_html_join(
        "",
        '<div>{}: <span class="text-decoration-line-through text-secondary">{}</span> → {}</div>',
        ((change["field"], change["old"] or "—", change["new"] or "—") for change in changes),
    )


def _join(values) -> str:
    return ", ".join(str(value) for value in values)


def describe(type: str, p: dict, from_database: bool = False) -> SafeString | None:
    """The entry's sentence as safe HTML, or None when the template words it."""
    if from_database:
        return format_html(
            '<span class="badge text-bg-secondary">database change</span> {}', _changes(p.get("changes", []))
        )
    match type:
        case "order.created":
            detail = format_html(" ({})", p["detail"]) if p.get("detail") else ""
            return format_html("Created from {}{} as {}.", p.get("source", ""), detail, p.get("status", ""))
        case "status.changed":
            reason = format_html(": {}", p["reason"]) if p.get("reason") else ""
            return format_html(
                "Status <strong>{}</strong> → <strong>{}</strong>{}", p.get("old"), p.get("new"), reason
            )
        case "hold.placed":
            return format_html("Put on hold: {}", "; ".join(p.get("reasons", [])))
        case "hold.released":
            reasons = format_html(" ({})", "; ".join(p["reasons"])) if p.get("reasons") else ""
            return format_html("Hold released{}", reasons)
        case "order.assigned":
            return format_html(
                "{}: {} → {}", p.get("role"), p.get("old") or "nobody", p.get("new") or "nobody"
            )
        case "note.added":
            return format_html(
                '<span class="text-body">{}</span>', mark_safe(linebreaks(escape(p.get("text", ""))))
            )
        case "order.edited":
            return _changes(p.get("changes", []))
        case "order.deleted":
            return format_html("Deleted: {}", p.get("reason", ""))
        case "order.restored":
            return mark_safe("Restored")
        case "stock.allocation":
            parts = []
            if p.get("allocated"):
                parts.append(format_html(" allocated {}", _join(p["allocated"])))
            if p.get("released"):
                parts.append(format_html(" released {}", _join(p["released"])))
            if p.get("backordered"):
                parts.append(
                    format_html(' <span class="text-danger">backordered {}</span>', _join(p["backordered"]))
                )
            return format_html("Stock{}", mark_safe("".join(parts)))
        case "shipment.created":
            tracking = (
                format_html(' · tracking <span class="font-monospace">{}</span>', p["tracking_number"])
                if p.get("tracking_number")
                else ""
            )
            return format_html(
                "Shipped {} with {} {}{}",
                _join(p.get("lines", [])),
                p.get("carrier"),
                p.get("service", ""),
                tracking,
            )
        case "document.printed":
            return format_html("Printed the {}", str(p.get("document", "")).lower())
    return None
