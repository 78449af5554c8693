"""eBay as a marketplace (issue "Sales channels II"): mapping.py reads the Sell Fulfillment API's order
JSON."""
