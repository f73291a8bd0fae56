"""Persistence: SQLAlchemy 2.x models, the repository, Alembic migrations."""
