"""SQLAlchemy storage: typed tables, engine setup, repositories, unit of work, batch writer."""
