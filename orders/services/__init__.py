"""Every write to orders goes through the functions of this package, one module per kind of change
(STYLE.md: keyword-only arguments, named <noun>_<verb>): create, create_many, edit, lines,
transitions, bulk, customers. Money has its own (orders/money/services.py). Import from the module
itself: a package that re-exported them all would load every service, and what they import, first."""
