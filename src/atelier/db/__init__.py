"""Database layer: SQLAlchemy 2 models, engine, migrations and queries."""
