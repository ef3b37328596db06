"""Many rows in one fixed statement on PostgreSQL: column arrays and ``unnest``, ``= ANY(array)``.

Why: the hub's writer stores a fleet's heartbeats and plays in batches of tens to hundreds of
rows. SQLAlchemy's multi-row INSERT (insertmanyvalues) and expanding ``IN (...)`` lists render a
new SQL text for every batch size, with one placeholder per value; psycopg then parses that
text afresh in Python each time (its cache only keeps short statements), and SQLAlchemy renders
the placeholders. Measured in a hub worker during the fleet benchmark, that parsing and
rendering was about a third of the worker's CPU, and it holds the GIL while the event loop waits.
Here a batch is sent as one array per column (``INSERT … SELECT unnest(:a), unnest(:b) …``) and
a list as one array parameter (``col = ANY(:ids)``): the SQL text is the same for every batch,
so it is compiled, parsed and even prepared by the server once.

SQLite has no arrays; there the callers keep the ordinary statements (``insert_rows`` and
``among`` choose by dialect).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, TypeDecorator, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement


def _plain(type_: Any) -> Any:
    """A column's database type without its Python-side decorator (UTCDateTime → DateTime):
    the values handed in are already what the database takes (aware UTC datetimes)."""
    return type_.impl if isinstance(type_, TypeDecorator) else type_


@cache
def unnest_insert(table: Table, columns: tuple[str, ...]) -> Any:
    """PostgreSQL's INSERT of `columns` from one array parameter each (named ``<column>_all``),
    built once per table and column set. Add ON CONFLICT / RETURNING to the result."""
    arrays = [
        func.unnest(bindparam(f"{name}_all", type_=postgresql.ARRAY(_plain(table.c[name].type))))
        for name in columns
    ]
    return postgresql.insert(table).from_select(list(columns), select(*arrays))


def column_arrays(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """The parameters of unnest_insert for `rows` (dicts with every column)."""
    return {f"{name}_all": [row[name] for row in rows] for name in columns}


def among(column: Any, values: Iterable[Any], dialect_name: str) -> ColumnElement[bool]:
    """``column IN values`` as one array parameter on PostgreSQL (a fixed SQL text), an
    ordinary IN list elsewhere."""
    listed = list(values)
    if dialect_name == "postgresql":
        array = bindparam(None, listed, type_=postgresql.ARRAY(_plain(column.type)))
        result: ColumnElement[bool] = column == any_(array)
        return result
    in_list: ColumnElement[bool] = column.in_(listed)
    return in_list
