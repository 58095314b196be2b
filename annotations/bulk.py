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
    table, columns = _table_and_columns(model, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw psycopg cursor: wrap its errors so callers catch Django's IntegrityError.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(_insert_sql(table, columns, len(fields)), rows)


def insert_rows_returning_ids(
    model: type[Model], fields: Sequence[str], rows: Sequence[tuple]
) -> list[int]:
    """insert_rows() that also returns the new rows' primary keys, in row order."""
    if connection.vendor != "postgresql":
        sql = _insert_sql(*_table_and_columns(model, fields), len(fields))
        ids = []
        with connection.cursor() as cursor:
            for row in rows:
                cursor.execute(sql, row)
                ids.append(cursor.lastrowid)
        return ids
    # COPY cannot return keys, so take them from the table's sequence first.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rows_with_ids = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    insert_rows(model, (model._meta.pk.name, *fields), rows_with_ids)
    return ids


def _table_and_columns(model: type[Model], fields: Sequence[str]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    return quote(model._meta.db_table), columns


def _insert_sql(table: str, columns: str, count: int) -> str:
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * count)})"
