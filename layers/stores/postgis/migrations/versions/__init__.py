"""Alembic revision scripts of the platform tables."""
