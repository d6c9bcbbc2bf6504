"""Database adapter: SQLAlchemy Core tables, engine, Alembic migrations."""
