"""Packline's benchmark suite: `make bench` measures the SPEC section 7 budgets side by side with peers."""
