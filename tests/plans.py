"""Query plans for tests on PostgreSQL: what the planner does with the queries a piece of code
runs, from EXPLAIN (plans only, nothing analysed: run them on tables whose statistics are
missing or stale, as right after a bulk load, to show that the index plan is the obvious one)."""

from collections.abc import Callable, Iterator

from django.db import connection
from django.test.utils import CaptureQueriesContext


def plan(sql: str) -> dict:
    """EXPLAIN's plan of a query as it was run (its top node, JSON)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        return cursor.fetchone()[0][0]["Plan"]


def plans_of(run: Callable[[], object]) -> list[tuple[str, dict]]:
    """(query, plan) of each SELECT that run() made."""
    with CaptureQueriesContext(connection) as captured:
        run()
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    return [(sql, plan(sql)) for sql in selects]


def nodes(node: dict) -> Iterator[dict]:
    """The node and every node below it, subplans included."""
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def sequential_scans(node: dict) -> set[str]:
    """The tables a plan reads whole."""
    return {n["Relation Name"] for n in nodes(node) if n["Node Type"] == "Seq Scan"}


def indexes_used(node: dict) -> set[str]:
    """The indexes a plan reads."""
    return {n["Index Name"] for n in nodes(node) if "Index Name" in n}


def explain(sql: str) -> str:
    """The plan as text, for an assertion's message."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def rows_read(run: Callable[[], object], model) -> int:
    """How many rows of the model's table run() read, by sequential or index scans (kept or
    filtered out): what its queries cost, whatever plans they ran with. From the counts of the
    test's own transaction."""

    def read() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) "
                "FROM pg_stat_xact_user_tables WHERE relname = %s",
                [model._meta.db_table],
            )
            return cursor.fetchone()[0]

    before = read()
    run()
    return read() - before
