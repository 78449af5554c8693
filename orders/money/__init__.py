"""Money (SPEC 6): payments, expenses, refunds and remittances, and the order's financial breakdown."""
