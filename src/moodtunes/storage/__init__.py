"""Persistence: SQLAlchemy 2.0 models, the engine, migrations and small repository functions."""
