"""factory_boy factories for the test suite."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set([Group.objects.get(name=extracted)])
            if extracted == "superadmin":
                self.is_staff = self.is_superuser = True
                self.save(update_fields=["is_staff", "is_superuser"])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.Customer"

    name = factory.Faker("name")
    # The first name without a title: Faker's "Mrs. Peggy Robinson" once gave "mrs.@example.com",
    # which is no email address (a form posting it back refused it).
    email = factory.LazyAttribute(
        lambda customer: "".join(
            char for char in next(word for word in customer.name.split() if not word.endswith(".")).lower()
            if char.isascii() and char.isalpha()
        ) + "@example.com"
    )  # fmt: skip
    phone = factory.Faker("numerify", text="+1 555 ### ####")
    address = factory.LazyFunction(
        lambda: {"line1": "12 Harbour Road", "city": "Leeds", "postcode": "LS1 4AP", "country": "GB"}
    )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.Product"

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Faker("catch_phrase")
    barcode = factory.Sequence(lambda n: f"400000{n:07d}")
    price = Decimal("10.00")
    tax_rate = Decimal("20.00")


def make_order(actor=None, *, lines=None, customer=None, **fields):
    """A real order made through the creation service (holds, totals, events), complete by default:
    it lands in processing (cash payment) unless the fields say otherwise."""
    from orders.actors import Actor
    from orders.inputs import LineInput, OrderInput
    from orders.services.create import order_create

    if lines is None:
        product = ProductFactory()
        lines = [LineInput(sku=product.sku, quantity=1)]
    fields.setdefault("shipping_method", "Standard")
    fields.setdefault("payment_method", "cash")
    data = OrderInput(customer=customer or CustomerFactory(), lines=lines, **fields)
    return order_create(data=data, actor=actor or Actor.system("tests"))
