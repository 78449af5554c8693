"""The pieces timeline sentences are made of, as HTML with every value escaped (orders/timeline.py).

Event parameters are plain data typed by people and channels, never markup: each value goes through
`e` (the standard library's html.escape, without Django's lazy-string wrapper that doubled the order
page's time); the literal markup around them is written by the describe functions themselves.
"""

import re
from html import escape as _escape


def e(value) -> str:
    """One value as escaped text; None is empty."""
    return _escape("" if value is None else str(value))


_PARAGRAPH_BREAK = re.compile(r"\n{2,}")


def paragraphs(text: str) -> str:
    """A note as paragraphs and line breaks, escaped (what Django's linebreaks filter makes)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return "\n\n".join(
        f"<p>{e(paragraph).replace(chr(10), '<br>')}</p>" for paragraph in _PARAGRAPH_BREAK.split(text)
    )


def changes(items: list[dict]) -> str:
    """Field edits, old value struck through: [{"field": label, "old": text, "new": text}, ...]."""
    return "".join(
        f'<div>{e(change["field"])}: <span class="text-decoration-line-through text-secondary">'
        f"{e(change['old'] or '—')}</span> → {e(change['new'] or '—')}</div>"
        for change in items
    )


def join(values) -> str:
    """Values as one escaped, comma-separated text."""
    return e(", ".join(str(value) for value in values))


def suffix(before: str, value, after: str = "") -> str:
    """ ", ref 123" when there is a value, nothing otherwise; `before` and `after` are markup."""
    return f"{before}{e(value)}{after}" if value else ""
