"""Bulk row writes that skip per-object ORM work: COPY on PostgreSQL, executemany elsewhere."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def insert_rows(model: type[Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert plain tuples (values in `fields` order, already in database form) into model's table.

    The caller validates the values; the table's constraints still check them.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
