"""Reads of customers and products that the order form's searches and the JSON API share, so that a
search term finds the same rows on both."""

from django.db.models import Q, QuerySet

from orders.models import Customer, Product


def customers_matching(term: str) -> QuerySet[Customer]:
    """Customers whose name contains the term or whose email starts with it; every one for no term."""
    term = term.strip()
    customers = Customer.objects.all()
    if term:
        customers = customers.filter(Q(name__icontains=term) | Q(email__istartswith=term))
    return customers


def products_matching(term: str) -> QuerySet[Product]:
    """Products whose SKU starts with the term, whose name contains it or whose barcode is it; every
    one for no term. Inactive ones too: the order form narrows to active ones itself."""
    term = term.strip()
    products = Product.objects.all()
    if term:
        products = products.filter(Q(sku__istartswith=term) | Q(name__icontains=term) | Q(barcode=term))
    return products
