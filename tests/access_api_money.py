"""Access matrix rows of the JSON API's assignment, line and money endpoints (issue 18), kept apart
from tests/access.py so that it stays short; tests/access.py adds them to MATRIX.

The matrix's order is processing, paid 1.00 in cash collected by an agent who is not the matrix's
agent, with a 0.50 expense and a 0.20 refund (tests/test_access_matrix.py, objects). The matrix's
agent may record money on their own orders only, so this one answers them 404."""

from tests.access import NO_TOKEN, Access, only, roles

MONEY_WRITERS = ("superadmin", "manager", "csr")


def _number(o: dict) -> dict:
    return {"number": o["order"].number}


ROWS: list[Access] = [
    Access("api-1:assign_order", only(*MONEY_WRITERS, anonymous=NO_TOKEN), method="post", auth="token",
           kwargs=_number, data=lambda o: {"agent": None}),
    Access("api-1:cancel_line", only(*MONEY_WRITERS, anonymous=NO_TOKEN), method="post", auth="token",
           kwargs=lambda o: {"number": o["order"].number, "line_id": o["order"].lines.first().pk},
           data=lambda o: {"reason": "out of stock"}),
    Access("api-1:replace_line", only(*MONEY_WRITERS, anonymous=NO_TOKEN), method="post", auth="token",
           kwargs=lambda o: {"number": o["order"].number, "line_id": o["order"].lines.first().pk},
           data=lambda o: {"sku": o["shop_order"].lines.first().sku, "quantity": 1}),
    # Everyone who opens the order page sees its money panel.
    Access("api-1:list_payments", roles(200, agent=404, anonymous=NO_TOKEN), auth="token", kwargs=_number),
    Access("api-1:list_expenses", roles(200, agent=404, anonymous=NO_TOKEN), auth="token", kwargs=_number),
    Access("api-1:list_refunds", roles(200, agent=404, anonymous=NO_TOKEN), auth="token", kwargs=_number),
    Access("api-1:record_payment", {**only(*MONEY_WRITERS, status=201, anonymous=NO_TOKEN), "agent": 404}, method="post",
           auth="token", kwargs=_number, data=lambda o: {"amount": "0.50", "method": "cash"}),
    # Reversing the payment would leave the 0.20 refund above what was paid: the service refuses (409).
    Access("api-1:reverse_payment", only(*MONEY_WRITERS, status=409, anonymous=NO_TOKEN), method="post",
           auth="token", kwargs=lambda o: {"number": o["order"].number, "payment_id": o["payment"].pk},
           data=lambda o: {"reason": "recorded twice"}),
    Access("api-1:record_expense", {**only(*MONEY_WRITERS, status=201, anonymous=NO_TOKEN), "agent": 404}, method="post",
           auth="token", kwargs=_number, data=lambda o: {"category": "delivery", "amount": "0.30"}),
    Access("api-1:reverse_expense", only(*MONEY_WRITERS, status=201, anonymous=NO_TOKEN), method="post",
           auth="token", kwargs=lambda o: {"number": o["order"].number, "expense_id": o["expense"].pk},
           data=lambda o: {"reason": "wrong order"}),
    Access("api-1:record_refund", only(*MONEY_WRITERS, status=201, anonymous=NO_TOKEN), method="post",
           auth="token", kwargs=_number, data=lambda o: {"amount": "0.10", "reason": "goodwill"}),
    Access("api-1:reverse_refund", only(*MONEY_WRITERS, status=201, anonymous=NO_TOKEN), method="post",
           auth="token", kwargs=lambda o: {"number": o["order"].number, "refund_id": o["refund"].pk},
           data=lambda o: {"reason": "not owed"}),
]  # fmt: skip
