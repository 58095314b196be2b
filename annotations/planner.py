"""PostgreSQL planner settings for one read, where the planner's estimates alone would pick a
plan that reads far more than the query needs."""

from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def planner_settings(**settings: str):
    """Run the block's queries with these planner settings (SET LOCAL, in a transaction or
    savepoint of their own); nothing to do on SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        yield
        for name in settings:
            cursor.execute(f"RESET {name}")  # inside an outer transaction, SET LOCAL would last
