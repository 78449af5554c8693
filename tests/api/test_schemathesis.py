"""Property-based checks of every API operation against the live OpenAPI document (schemathesis):
no answer is a server error, and every answer matches the schema the document declares for it.

The document is read from the running server, so the loop is written out here rather than through
schemathesis' pytest plugin (whose lazy fixture loader fails on pytest 9)."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.services import api_token_create
from orders.jobs.models import BulkJob
from orders.models import Order
from tests.factories import make_order

pytestmark = pytest.mark.django_db(transaction=True)

# Bounded so that the whole file stays well under a minute on CI (20 took 45 to 49 s);
# API_FUZZ_EXAMPLES=200 makes a deeper local run.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))


def test_every_operation_answers_within_its_schema_and_never_500(live_server, make_user):
    order = make_order(channel_order_id="SHOP-1")
    superadmin = make_user("superadmin")
    token = api_token_create(user=superadmin, name="schemathesis", scopes="read,write")[1]
    job = BulkJob.objects.create(action="export_csv", selection={"ids": [order.pk]}, created_by=superadmin)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.label for operation in operations} >= {"GET /api/v1/orders", "POST /api/v1/orders"}
    failures = []
    # Generated numbers seldom name an order (a product, a customer, a job): each operation on one order also runs on a real one
    # (whose If-Match is then often right), so the services behind it meet generated bodies too.
    real = {
        "number": str(order.number),
        "channel": "manual",
        "channel_order_id": "SHOP-1",
        "sku": order.lines.first().sku,
        "customer_id": order.customer_id,
        "job_id": job.pk,
    }

    def on_the_real_order(case):
        if case.path_parameters:
            case.path_parameters = {
                name: real.get(name, value) for name, value in case.path_parameters.items()
            }
        if case.headers and "If-Match" in case.headers:
            case.headers["If-Match"] = str(Order.objects.get(pk=order.pk).version)
        return case

    for operation in operations:
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append((mode.value, operation.as_strategy(generation_mode=mode)))
        if "{" in operation.path:
            strategies.append(("real order", operation.as_strategy().map(on_the_real_order)))
        for label, strategy in strategies:

            @given(case=strategy)
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def check(case):
                case.call_and_validate(
                    base_url=live_server.url,
                    headers={"Authorization": f"Bearer {token}"},
                    checks=[not_a_server_error, response_schema_conformance],
                )

            try:
                check()
            except Exception as failure:  # noqa: BLE001 - collected, so that one run names every failing operation
                failures.append(f"{operation.label} ({label}): {failure}")
    assert not failures, "\n\n".join(failures)
