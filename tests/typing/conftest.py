"""The modules here are for the type checker only (CI's mypy reads them); pytest skips them."""

collect_ignore = ["check_quantity_types.py"]
