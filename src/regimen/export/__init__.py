"""Exporters: each renders a plan or a report to text, purely."""
