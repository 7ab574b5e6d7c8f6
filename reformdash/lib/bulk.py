"""Many rows into one table, fast on both databases: PostgreSQL's COPY, streamed from a generator
so millions of rows never sit in memory together, and executemany in batches on SQLite.

For bulk loads of generated data (demo.synthetic, demo.synthetic_dossiers), where model instances
and bulk_create's statements per 5,000 rows would cost more than the rows themselves.
"""

import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.db import connection

BATCH_SIZE = 5000


def rows_insert(model, columns, rows):
    """Insert rows (tuples in `columns` order); returns how many were written. Database errors
    (a unique violation…) arrive as Django's, as from any query."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    if connection.vendor == "postgresql":
        stream = _CopyStream(rows)
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", stream)
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


def _copy_text(value):
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _CopyStream(io.RawIOBase):
    """A file-like object COPY reads from, producing the text format from rows as it is read,
    so a few million rows never sit in memory together."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self._buffer = b""
        self.count = 0

    def readable(self):
        return True

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            lines = []
            for row in self._rows:
                lines.append("\t".join(_copy_text(value) for value in row))
                self.count += 1
                if len(lines) == 1000:
                    break
            if not lines:
                break
            self._buffer += ("\n".join(lines) + "\n").encode()
        if size < 0:
            size = len(self._buffer)
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk

    def readline(self, size=-1):
        return self.read(size)
