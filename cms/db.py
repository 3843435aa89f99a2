"""A cursor for hot, fixed SQL that PostgreSQL plans once per connection.

Django sends every query with its parameters inlined (client-side binding), so PostgreSQL
parses and plans each one anew: for the chat's small poll and post queries, planning costs
several times the execution. `prepared_cursor()` binds parameters on the server instead, and
psycopg prepares each statement the first time a connection runs it (the `prepare_threshold`
of 0 in the PostgreSQL settings; the ORM's client-side cursors never prepare, so it changes
nothing else). Only for SQL written out in full, with every parameter in a place PostgreSQL
can type (a comparison with a column, a value of an INSERT).

Behind a connection pooler, prepared statements need one that keeps them per client
connection (PgBouncer 1.21+ with `max_prepared_statements`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """Django's cursor (query logging, error wrapping, health check), with server-side binding
    on PostgreSQL; on other databases, Django's own cursor."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql import base as postgresql

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        # The psycopg 3 cursor class that Django's `server_side_binding` option would use.
        raw: Any = postgresql.ServerBindingCursor(connection.connection)  # type: ignore[call-arg]
    cursor = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    with cursor:
        yield cursor
