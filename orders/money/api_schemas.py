"""The JSON API's shapes for an order's money: payments, expenses and refunds in and out. Amounts go in
and come out as decimal strings ("12.50") with the record's currency, never as floats."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from orders.api_schemas import NO_NUL, Strict

# A decimal string, as the money forms read it: the forms then say whether it is above 0.
AmountText = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$"),
    Field(description='A decimal string with at most two decimals, e.g. "12.50".'),
]
Username = Annotated[str, NO_NUL, StringConstraints(max_length=150)]
Reason = Annotated[str, NO_NUL, StringConstraints(max_length=300)]


class PaymentIn(Strict):
    amount: AmountText
    method: Annotated[str, NO_NUL, StringConstraints(max_length=20)] = Field(
        description="A payment method code (cash, pos, card, ...). Delivery agents: cash or pos."
    )
    reference: Annotated[str, NO_NUL, StringConstraints(max_length=100)] = ""
    collected_by: Username | None = Field(
        None,
        description="The delivery agent who collected it (cash or POS). Not for agents, whose "
        "collections are always their own.",
    )


class ExpenseIn(Strict):
    category: Annotated[str, NO_NUL, StringConstraints(max_length=20)] = Field(
        description="delivery, packaging, courier_fee or other."
    )
    amount: AmountText
    paid_by: Username | None = Field(
        None,
        description="The delivery agent who paid it; left out, the company. Not for agents, whose "
        "expenses are always their own.",
    )
    note: Reason = ""


class RefundIn(Strict):
    amount: AmountText
    reason: Reason
    method: Annotated[str, NO_NUL, StringConstraints(max_length=20)] = Field(
        "", description="A payment method code; left out, the order's payment method."
    )


class ReverseIn(Strict):
    reason: Reason


class MoneyRecordOut(BaseModel):
    id: int
    amount: Decimal = Field(description="A decimal string; negative for a reversal.")
    currency: str
    recorded_by: str | None = Field(description="Username; null when Packline recorded it.")
    recorded_at: datetime
    reverses: int | None = Field(description="The id of the record this one reverses.")
    reversed_by: int | None = Field(description="The id of the record that reverses this one.")


class PaymentOut(MoneyRecordOut):
    method: str
    state: str = Field(description="received, or failed (which counts for nothing).")
    reference: str
    note: str
    collected_by: str | None


class ExpenseOut(MoneyRecordOut):
    category: str
    paid_by: str | None = Field(description="The delivery agent who paid it; null: the company.")
    note: str


class RefundOut(MoneyRecordOut):
    kind: str = Field(description="cancellation, return or manual.")
    method: str
    reason: str
    lines: list[dict]
    return_number: str
    executed_at: datetime | None = Field(description="When it was paid out; null while it is owed.")
    executed_by: str | None
    reference: str
