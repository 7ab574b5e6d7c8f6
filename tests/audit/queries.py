"""How many INSERTs a bulk_create of n rows takes on the database under test."""

import math

from django.db import connection
from django.db.models import AutoField, BigAutoField


def insert_queries(model, rows, batch_size=1000):
    fields = [field for field in model._meta.concrete_fields if not isinstance(field, (AutoField, BigAutoField))]
    size = min(batch_size, connection.ops.bulk_batch_size(fields, [None] * rows))
    return math.ceil(rows / size)
