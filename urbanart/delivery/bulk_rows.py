"""Many rows in one fixed statement on PostgreSQL: a JSON array of rows, and ``= ANY(array)``.

Why: the hub's writer stores a fleet's heartbeats and plays in batches of tens to hundreds of
rows. SQLAlchemy's multi-row INSERT (insertmanyvalues) and expanding ``IN (...)`` lists render a
new SQL text for every batch size, with one placeholder per value; psycopg then parses that
text afresh in Python each time (its cache only keeps short statements), and SQLAlchemy renders
the placeholders. Measured in a hub worker during the fleet benchmark, that parsing and
rendering was about a third of the worker's CPU, and it holds the GIL while the event loop waits.
Here a batch is sent as one JSON array of rows (``INSERT … SELECT … FROM
json_to_recordset(:rows)``) and a list as one array parameter (``col = ANY(:ids)``): the SQL
text is the same for every batch, so it is compiled, parsed and even prepared by the server once.

SQLite has no arrays; there the callers keep the ordinary statements (the callers and
``among`` choose by dialect).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    cast,
    column,
    func,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement


def _plain(type_: Any) -> Any:
    """A column's database type without its Python-side decorator (UTCDateTime → DateTime):
    the values handed in are already what the database takes (aware UTC datetimes)."""
    return type_.impl if isinstance(type_, TypeDecorator) else type_


def json_rows(table: Table, columns: Sequence[str]) -> Any:
    """PostgreSQL's rows from the JSON parameter ``rows_json`` (made by rows_json()), typed as
    `columns` of `table`: a FROM clause (json_to_recordset) to select from.

    Why JSON and not one array per column: psycopg turns a Python list into an array literal
    element by element in Python, while json.dumps encodes the whole batch in C; the database
    reads it back with the columns' own types.
    """
    return (
        func.json_to_recordset(cast(bindparam("rows_json", type_=Text), postgresql.JSON))
        .table_valued(*[column(name, _plain(table.c[name].type)) for name in columns])
        .render_derived(name="batch", with_types=True)
    )


@cache
def rows_insert(table: Table, columns: tuple[str, ...]) -> Any:
    """PostgreSQL's INSERT of `columns` from json_rows, built once per table and column set;
    add ON CONFLICT and RETURNING to it."""
    source = json_rows(table, columns)
    return postgresql.insert(table).from_select(
        list(columns), select(*[source.c[name] for name in columns])
    )


def _encode(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be stored by rows_insert")


def rows_json(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The parameter of rows_insert for `rows` (mappings with every column)."""
    listed = [{name: row[name] for name in columns} for row in rows]
    return {"rows_json": json.dumps(listed, default=_encode, separators=(",", ":"))}


def among(column: Any, name: str, dialect_name: str) -> ColumnElement[bool]:
    """``column IN :name``: on PostgreSQL one array parameter (a fixed SQL text, whatever the
    number of values), elsewhere an expanding IN list. The values are passed at execution, so a
    statement using it can be built once."""
    if dialect_name == "postgresql":
        array = bindparam(name, type_=postgresql.ARRAY(_plain(column.type)))
        result: ColumnElement[bool] = column == any_(array)
        return result
    in_list: ColumnElement[bool] = column.in_(bindparam(name, expanding=True))
    return in_list


@contextlib.contextmanager
def run_planned(conn: Connection) -> Iterator[None]:
    """Statements run inside are planned by PostgreSQL at each run, for the values given (no
    server-side prepared statement); elsewhere (SQLite, other drivers) nothing changes.

    Why: psycopg prepares a statement once it has run a few times, and PostgreSQL may then keep
    one generic plan for it, chosen for whatever the table held then. For a query whose best
    index depends on the table's size and its parameters, a plan made when the table was empty
    can be the wrong one for good. Planning costs a fraction of a millisecond.
    """
    driver = conn.connection.driver_connection
    threshold = getattr(driver, "prepare_threshold", _NOT_PSYCOPG)
    if threshold is _NOT_PSYCOPG:
        yield
        return
    driver.prepare_threshold = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        driver.prepare_threshold = threshold  # type: ignore[union-attr]


_NOT_PSYCOPG = object()
