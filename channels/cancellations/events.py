"""The timeline's words for a CSR's answer to a buyer's cancellation request."""

from orders.events import register
from orders.wording import e


def _told(p: dict) -> str:
    shop = e(p.get("shop", ""))
    if p.get("on_platform"):
        request = e(p.get("request", ""))
        return f"{shop} was told" + (f" (cancellation {request})." if request else ".")
    return f"in Packline only; {shop} was not told."


def _approved(p: dict) -> str:
    return f"Approved the buyer's request to cancel: {_told(p)}"


def _rejected(p: dict) -> str:
    comment = e(p.get("comment", ""))
    return f"Rejected the buyer's request to cancel ({e(p.get('reason', ''))}): {_told(p)}" + (
        f" Comment: {comment}" if comment else ""
    )


class CancellationEvent:
    APPROVED = register("channel.cancellation_approved", "Buyer's cancellation approved", _approved)
    REJECTED = register("channel.cancellation_rejected", "Buyer's cancellation rejected", _rejected)
