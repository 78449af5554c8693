"""initial_status (orders/services/create.py): the one decision of the status a new order starts in and
the status it was held from, for order_create and the batched creation of imports alike."""

from decimal import Decimal

import pytest

from orders.inputs import LineInput, OrderInput
from orders.models import Customer, Status
from orders.services.create import initial_status
from orders.workflow import Stage

pytestmark = pytest.mark.django_db

A, D, P, H = Stage.AWAITING_PAYMENT, Stage.DRAFT, Stage.PROCESSING, Stage.ON_HOLD
TOTAL = Decimal("20.00")

CASES = {
    # name: (input fields, findings?, kept stage, expected status stage, expected held-from stage)
    "draft": ({"draft": True, "payment_method": "card"}, False, None, D, None),
    "card, unpaid": ({"payment_method": "card"}, False, None, A, None),
    "card, paid in full": ({"payment_method": "card", "amount_paid": TOTAL}, False, None, P, None),
    "cash on delivery, unpaid": ({"payment_method": "cash"}, False, None, P, None),
    "card, unpaid, with findings": ({"payment_method": "card"}, True, None, H, A),
    "cash, with findings": ({"payment_method": "cash"}, True, None, H, P),
    "kept shipped": ({"payment_method": "cash"}, False, Stage.SHIPPED, Stage.SHIPPED, None),
    "kept processing, with findings": ({"payment_method": "card"}, True, P, H, P),
    "kept on hold: released to its initial status": ({"payment_method": "card"}, True, H, H, A),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_initial_status_and_where_a_held_order_goes_back_to(case):
    fields, found, kept_stage, stage, held_from = CASES[case]
    data = OrderInput(customer=Customer(pk=1), lines=[LineInput(sku="X", quantity=1)], **fields)
    builtin = {status.stage: status for status in Status.objects.filter(is_builtin=True)}
    kept = Status.objects.create(label="Kept", stage=kept_stage) if kept_stage else None
    findings = ["a finding"] if found else []
    looked_up = initial_status(data, total=TOTAL, findings=findings, kept=kept)  # one query per stage
    preloaded = initial_status(data, total=TOTAL, findings=findings, kept=kept, builtin=builtin.__getitem__)
    assert looked_up == preloaded
    status, held = looked_up
    assert (status.stage, held.stage if held else None) == (stage, held_from)
    assert status.is_builtin or status == kept
    assert held is None or held.is_builtin or held == kept
