"""Thin HTML views of the cases app, one module per audience (DESIGN: inside an app)."""
