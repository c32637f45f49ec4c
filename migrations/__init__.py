"""Alembic migration scripts, installed as ``linkcheck.migrations``."""
