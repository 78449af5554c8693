"""Products, stock per warehouse and customers through the API: the searches the pages use, the pages'
permissions, cursor paging without counts."""

import pytest

from fulfilment.models import StockItem
from orders.models import Customer, Warehouse
from tests.api.answers import problem_answer
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db
READERS = ("superadmin", "manager", "csr", "warehouse", "viewer")


def _walk(client, path: str, limit: int, **params) -> list[dict]:
    seen, cursor = [], None
    while True:
        response = client.get(path, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        page = response.json()
        assert "count" not in page
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


@pytest.fixture
def second_warehouse():
    return Warehouse.objects.create(code="north", name="North hub")


# Products and stock ----------------------------------------------------------------------------------


def test_products_page_by_sku_and_search_as_the_order_form_does(api, token_for):
    for sku in ("MUG-RED", "MUG-BLUE", "PLATE-1", "BOWL-1"):
        ProductFactory(sku=sku, name=f"{sku} ware")
    ProductFactory(sku="CUP-9", name="Espresso cup", barcode="5012345678900", active=False)
    client = api(token_for("viewer"))
    assert [p["sku"] for p in _walk(client, "/products", 2)] == [
        "BOWL-1",
        "CUP-9",
        "MUG-BLUE",
        "MUG-RED",
        "PLATE-1",
    ]
    assert [p["sku"] for p in _walk(client, "/products", 1, q="mug")] == ["MUG-BLUE", "MUG-RED"]
    by_barcode = _walk(client, "/products", 10, q="5012345678900")
    assert [(p["sku"], p["active"]) for p in by_barcode] == [("CUP-9", False)]
    assert [p["sku"] for p in _walk(client, "/products", 10, q="espresso")] == ["CUP-9"]


def test_a_product_shows_on_hand_allocated_and_available_per_warehouse(api, token_for, second_warehouse):
    product = ProductFactory(sku="MUG-1")
    main = Warehouse.objects.get(is_default=True)
    StockItem.objects.create(warehouse=main, product=product, on_hand=10)
    StockItem.objects.create(warehouse=second_warehouse, product=product, on_hand=4)
    StockItem.objects.filter(warehouse=main).update(allocated=3)
    body = api(token_for("warehouse")).get("/products/MUG-1").json()
    assert body["sku"] == "MUG-1"
    assert {
        row["warehouse"]: (row["on_hand"], row["allocated"], row["available"]) for row in body["stock"]
    } == {
        main.code: (10, 3, 7),
        "north": (4, 0, 4),
    }


def test_an_unknown_sku_is_404(api, token_for):
    assert (
        problem_answer(api(token_for("manager")).get("/products/NOPE-1"), 404)["detail"]
        == "No product has the SKU 'NOPE-1'."
    )


def test_stock_filters_by_sku_warehouse_search_and_short_rows(api, token_for, second_warehouse):
    mug, plate = ProductFactory(sku="MUG-1"), ProductFactory(sku="PLATE-1")
    main = Warehouse.objects.get(is_default=True)
    StockItem.objects.create(warehouse=main, product=mug, on_hand=5, allocated=5)
    StockItem.objects.create(warehouse=second_warehouse, product=mug, on_hand=2)
    StockItem.objects.create(warehouse=main, product=plate, on_hand=9)
    client = api(token_for("csr"))

    def rows(**params):
        return {(row["sku"], row["warehouse"]) for row in _walk(client, "/stock", 1, **params)}

    assert rows() == {("MUG-1", main.code), ("MUG-1", "north"), ("PLATE-1", main.code)}
    assert rows(sku="MUG-1") == {("MUG-1", main.code), ("MUG-1", "north")}
    assert rows(warehouse="north") == {("MUG-1", "north")}
    assert rows(q="plate") == {("PLATE-1", main.code)}
    assert rows(short="true") == {("MUG-1", main.code)}
    assert problem_answer(client.get("/stock", warehouse="south"), 422)["errors"][0]["field"] == "warehouse"
    assert problem_answer(client.get("/stock", cursor="not-ours"), 422)["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("role", [*READERS, "agent"])
def test_products_and_stock_are_read_by_the_roles_the_stock_page_is_for(api, token_for, role):
    ProductFactory(sku="MUG-1")
    client = api(token_for(role))
    expected = 200 if role in READERS else 403
    for path in ("/products", "/products/MUG-1", "/stock"):
        assert client.get(path).status_code == expected, (role, path)


# Customers -------------------------------------------------------------------------------------------


def test_customers_page_by_id_and_search_as_the_order_forms_search(api, token_for):
    jane = CustomerFactory(name="Jane Doe", email="jane@example.com")
    john = CustomerFactory(name="John Roe", email="roe@example.org")
    CustomerFactory(name="Ada Byron", email="ada@example.net")
    client = api(token_for("viewer"))
    assert len(_walk(client, "/customers", 2)) == 3
    assert [c["id"] for c in _walk(client, "/customers", 1, q="jane")] == [jane.pk]
    assert [c["id"] for c in _walk(client, "/customers", 1, q="roe@")] == [john.pk]
    assert client.get(f"/customers/{jane.pk}").json()["email"] == "jane@example.com"
    assert problem_answer(client.get("/customers/999999999"), 404)


def test_creating_a_customer_goes_through_the_order_forms_service(api, token_for):
    response = api(token_for("csr")).post(
        "/customers",
        {"name": "Acme Ltd", "email": "buyer@acme.test", "company": "Acme", "requires_po_number": True,
         "address": {"line1": "1 Dock St", "city": "Hull", "country": "GB"}},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(pk=response.json()["id"])
    assert (customer.name, customer.requires_po_number, customer.address["city"]) == (
        "Acme Ltd",
        True,
        "Hull",
    )
    assert response["Location"].endswith(f"/api/v1/customers/{customer.pk}")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "name"),
        ({}, "name"),
        ({"name": "A", "email": "not-an-email"}, "email"),
        ({"name": "A", "address": {"country": "GBR"}}, "address.country"),
        ({"name": "A", "nickname": "x"}, "nickname"),
        ({"name": "A" * 201}, "name"),
    ],
)
def test_a_bad_customer_is_a_422_naming_the_field_and_nothing_is_written(api, token_for, body, field):
    before = Customer.objects.count()
    body = problem_answer(api(token_for("manager")).post("/customers", body), 422)
    assert body["errors"][0]["field"] == field
    assert Customer.objects.count() == before


@pytest.mark.parametrize(
    ("role", "read", "create"),
    [
        ("superadmin", 200, 201), ("manager", 200, 201), ("csr", 200, 201),
        ("warehouse", 200, 403), ("viewer", 200, 403), ("agent", 403, 403),
    ],
)  # fmt: skip
def test_customers_are_read_and_created_by_the_roles_the_pages_allow(api, token_for, role, read, create):
    customer = CustomerFactory()
    client = api(token_for(role))
    assert client.get("/customers").status_code == read
    assert client.get(f"/customers/{customer.pk}").status_code == read
    assert client.post("/customers", {"name": "New one"}).status_code == create
    assert Customer.objects.filter(name="New one").exists() == (create == 201)
