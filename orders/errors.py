"""Domain errors: each message is something a person can act on; views show it, the API returns it."""


class OrderError(Exception):
    """Base class for refusals of an order action."""


class TransitionRefused(OrderError):
    """A status change the workflow, a guard or the user's permissions do not allow."""


class StaleEdit(OrderError):
    """The order changed since the form was opened."""


class DuplicateOrder(OrderError):
    """An order with the same channel and channel order id already exists (deleted ones included)."""

    def __init__(self, message: str, existing_id: int | None = None):
        super().__init__(message)
        self.existing_id = existing_id


class OrderInvalid(OrderError):
    """Data that cannot form an order. `errors` maps field names to messages; nothing was written."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        summary = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
        super().__init__(f"The order cannot be created: {summary}")


class MoneyRefused(OrderError):
    """A payment, expense, refund or remittance that cannot be recorded, executed or reversed as asked."""
