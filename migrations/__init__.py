"""Alembic migrations (async env). Every schema change is a revision in versions/."""
