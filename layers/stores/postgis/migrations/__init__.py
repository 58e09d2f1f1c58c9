"""Alembic migrations of the platform tables (a package so that it ships with an installed wheel)."""
