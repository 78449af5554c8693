"""The GraphQL documents the client sends, each asking for exactly what mapping reads. A query may ask
for at most 1,000 points of Shopify's calculated cost (every object 1, a connection 2 + first x node).
The fulfilment documents live with their planning in fulfilment.py."""

MONEY = "{ shopMoney { amount } }"
ADDRESS = (
    "{ firstName lastName name company address1 address2 city province provinceCode zip country "
    "countryCodeV2 phone }"
)
# Exactly what mapping.order_from_graphql reads: about 800 points (50 lines, 10 refunds), so the
# orders are read one at a time.
ORDER_FIELDS = """
fragment PacklineOrderFields on Order {
  legacyResourceId
  name
  createdAt
  updatedAt
  cancelledAt
  email
  phone
  note
  tags
  customAttributes { key value }
  paymentGatewayNames
  displayFinancialStatus
  displayFulfillmentStatus
  currencyCode
  taxesIncluded
  totalPriceSet MONEY
  totalReceivedSet MONEY
  customer {
    firstName
    lastName
    defaultEmailAddress { emailAddress }
    defaultPhoneNumber { phoneNumber }
  }
  shippingAddress ADDRESS
  billingAddress ADDRESS
  lineItems(first: 50) {
    pageInfo { hasNextPage }
    nodes {
      id
      sku
      title
      name
      quantity
      currentQuantity
      originalUnitPriceSet MONEY
      totalDiscountSet MONEY
      discountAllocations { allocatedAmountSet MONEY }
      taxLines { rate priceSet MONEY }
    }
  }
  shippingLines(first: 5) {
    nodes {
      title
      originalPriceSet MONEY
      discountAllocations { allocatedAmountSet MONEY }
      taxLines { rate priceSet MONEY }
    }
  }
  refunds(first: 10) {
    legacyResourceId
    createdAt
    note
    transactions(first: 5) {
      nodes { kind status amountSet MONEY }
    }
  }
}
""".replace("MONEY", MONEY).replace("ADDRESS", ADDRESS)

SHOP_QUERY = "query PacklineShop { shop { name } }"

ORDER_QUERY = (
    """
query PacklineOrder($id: ID!) {
  order(id: $id) { ...PacklineOrderFields }
}
"""
    + ORDER_FIELDS
)

# The page lists ids only (about 52 points for 50); each order is then read whole with ORDER_QUERY.
ORDERS_UPDATED_QUERY = """
query PacklineOrdersUpdated($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { legacyResourceId updatedAt }
  }
}
"""
