"""Many rows into one table, fast on both databases: PostgreSQL's COPY, streamed from a generator
so millions of rows never sit in memory together, and executemany in batches on SQLite.

For bulk loads of generated data (demo.synthetic, demo.synthetic_dossiers), where model instances
and bulk_create's statements per 5,000 rows would cost more than the rows themselves, and for the
staging tables the imports check and upsert from in SQL (dossiers.importers.dossiers).
"""

import csv
import datetime
import functools
import io
import itertools
from decimal import Decimal

from django.conf import settings
from django.db import connection

BATCH_SIZE = 5000
_COPY_READ_BYTES = 1 << 16


def rows_insert(model, columns, rows, *, nullable=None):
    """Insert rows (tuples in `columns` order) into a model's table, or a table named by a string;
    returns how many were written. `nullable` names the columns that may hold NULL (a model's
    say so themselves): on PostgreSQL the others read an empty value as the empty string.
    Database errors (a unique violation…) arrive as Django's, as from any query."""
    if isinstance(model, str):
        table = model
        nullable = set(nullable or ())
    else:
        table = model._meta.db_table
        nullable = {field.column for field in model._meta.concrete_fields if field.null}
    table = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    if connection.vendor == "postgresql":
        stream = _CopyStream(rows) if not isinstance(rows, CopyText) else rows.stream()
        # CSV, written by the csv module's C writer: an unquoted empty value is NULL, except in
        # these columns, where it is the empty string (None is always written unquoted and empty).
        not_null = ", ".join(connection.ops.quote_name(column) for column in columns if column not in nullable)
        force = f", FORCE_NOT_NULL ({not_null})" if not_null else ""
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.cursor.copy_expert(
                f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv{force})", stream, size=stream.read_size
            )
        return stream.count
    count = 0
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    zone = connection.timezone if settings.USE_TZ else None
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(tuple(_sqlite_value(value, zone) for value in row))
            if len(batch) == BATCH_SIZE:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _sqlite_value(value, zone):
    # As Django's own SQLite backend writes them: decimals as text, datetimes as naive text in the
    # connection's time zone (UTC). Done here as its adapt_datetimefield_value does it, without the
    # settings look-ups it makes for every value: with them, writing the demo's 30,000 dossiers took
    # as long as making them (1.5 s); without, a third of that.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if zone is None:
            return connection.ops.adapt_datetimefield_value(value)
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return str(value)
    return value


class CopyText:
    """Rows written out as COPY reads them, for `rows_insert` on PostgreSQL: made in one thread while
    the connection works in another (psycopg2 lets go of the GIL while it waits for the server), so
    the rows of a batch are made while the database writes the last one. Holds the batch's text:
    its size is what it costs in memory."""

    def __init__(self, rows):
        stream = _CopyStream(rows)
        self.data = b"".join(iter(functools.partial(stream.read, _COPY_READ_BYTES), b""))
        self.count = stream.count

    def stream(self):
        # Read whole, in one call: a read per 64 KB would wait for the GIL each time, while the
        # thread making the next batch holds it (up to 5 ms per switch).
        stream = io.BytesIO(self.data)
        stream.count, stream.read_size = self.count, max(len(self.data), 1)
        return stream


class _CopyStream(io.RawIOBase):
    """A file-like object COPY reads from, writing CSV from rows as it is read, so a few million rows
    never sit in memory together. Values as str() gives them: PostgreSQL reads 2025-03-04
    08:30:15+00:00, 1.25 and True as they are."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, lineterminator="\n")
        self._buffer = b""
        self._at = 0  # where the next read starts in _buffer: no copy of the rest at each read
        self.count = 0
        self.read_size = _COPY_READ_BYTES

    def readable(self):
        return True

    def read(self, size=-1):
        if size < 0 or len(self._buffer) - self._at < size:
            rows = list(itertools.islice(self._rows, None if size < 0 else 1000))
            self.count += len(rows)
            self._writer.writerows(rows)
            text = self._text.getvalue()
            self._text.seek(0)
            self._text.truncate()
            self._buffer = self._buffer[self._at :] + text.encode()
            self._at = 0
        end = len(self._buffer) if size < 0 else self._at + size
        chunk = self._buffer[self._at : end]
        self._at += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size)
