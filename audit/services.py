"""Writes of the audit trail. Call them inside the transaction of the change they record."""

import datetime
import decimal
import uuid

from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry, AuditSource
from audit.reasons import REASONS

ENTRY_KEYS = {
    "action",
    "user",
    "obj",
    "unit",
    "criterion",
    "changes",
    "reason",
    "reason_code",
    "reason_params",
    "batch",
    "source",
}


def new_batch():
    """An id shared by every entry of one request or one import."""
    return uuid.uuid4().hex


def _json_value(value):
    # Decimals as strings keep their exact digits (a float would turn 2.5 into 2.5000000001 somewhere).
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _json_changes(changes):
    return {field: [_json_value(old), _json_value(new)] for field, (old, new) in (changes or {}).items()}


def _id(value):
    """An instance's pk, or the id itself: imports know ids, not instances."""
    return getattr(value, "pk", value)


def _entry(
    *,
    action,
    user=None,
    obj=None,
    unit=None,
    criterion=None,
    changes=None,
    reason="",
    reason_code="",
    reason_params=None,
    batch=None,
    source=AuditSource.WEB,
):
    if reason_code and reason_code not in REASONS:
        raise ValueError(f"no message for the audit reason code {reason_code!r} (audit.reasons.REASONS)")
    if user is not None and not getattr(user, "is_authenticated", True):
        user = None  # an anonymous request has nobody to record
    return AuditEntry(
        action=action,
        user_id=_id(user),
        object_label=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        unit_id=_id(unit),
        criterion_id=_id(criterion),
        changes=_json_changes(changes),
        reason=reason or "",
        reason_code=reason_code,
        reason_params={key: _json_value(value) for key, value in (reason_params or {}).items()},
        batch=batch or "",
        source=source,
    )


def audit_record(
    *,
    action,
    user=None,
    obj=None,
    unit=None,
    criterion=None,
    changes=None,
    reason="",
    reason_code="",
    reason_params=None,
    batch=None,
    source=AuditSource.WEB,
):
    """Record one change; `changes` is {field: (old, new)}. `reason` is a person's words, stored
    as written; a reason of our own code is `reason_code` and its `reason_params` (audit.reasons),
    put into words in the reader's language when read."""
    entry = _entry(
        action=action,
        user=user,
        obj=obj,
        unit=unit,
        criterion=criterion,
        changes=changes,
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        batch=batch,
        source=source,
    )
    entry.save()
    return entry


def audit_record_many(entries):
    """Record many changes (dicts with audit_record's keys) in one bulk insert per 1,000 rows: an
    import of thousands of scores must not cost thousands of queries. Returns how many were written."""
    rows = [_entry(**entry) for entry in entries]
    AuditEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def changed_values(old, new, fields):
    """{field: (old, new)} of the fields whose value differs; `old` None for a created row."""
    old = old or {}
    return {field: (old.get(field), new.get(field)) for field in fields if old.get(field) != new.get(field)}


def _context_of(obj):
    """The unit and criterion an admin-edited row belongs to, so the trail can be browsed by them."""
    unit_id = obj.pk if obj._meta.label == "units.Unit" else getattr(obj, "unit_id", None)
    if unit_id is None and getattr(obj, "assessment_id", None):
        unit_id = obj.assessment.unit_id
    criterion_id = getattr(obj, "criterion_id", None)
    if criterion_id is None and obj._meta.label == "indicators.Criterion":
        criterion_id = obj.pk
    return {"unit": unit_id, "criterion": criterion_id}


def audit_admin_save(*, request, obj, form, change):
    """Record an admin add or change with the old and new values of the fields the form changed.

    Call it after the save, inside the admin's transaction."""
    fields = [name for name in form.changed_data if name in {f.name for f in obj._meta.concrete_fields}]
    if change and not fields:
        return None
    changes = {name: (form.initial.get(name) if change else None, getattr(obj, name)) for name in fields}
    action = f"{obj._meta.model_name}.{'change' if change else 'add'}"
    return audit_record(
        action=action, user=request.user, obj=obj, changes=changes, source=AuditSource.ADMIN, **_context_of(obj)
    )


def audit_admin_delete(*, request, obj):
    """Record an admin deletion; call it before the delete, while the row still has its id."""
    return audit_record(
        action=f"{obj._meta.model_name}.delete",
        user=request.user,
        obj=obj,
        source=AuditSource.ADMIN,
        **_context_of(obj),
    )


# --- many entries from one SELECT: imports of tens of thousands of rows --------------------------


def audit_changes_sql(fields):
    """The SQL expression of an entry's `changes` ({field: [old, new]} of the fields that differ,
    as changed_values and _json_changes make it), from column expressions of one row.

    `fields` are (name, old, new, kind, new_text): `old` and `new` SQL expressions of the values
    compared, `kind` "decimal", "boolean" or "text". A decimal is recorded as text: the old one (a
    stored column) with its six places, as Python writes the stored Decimal; the new one as
    `new_text`, an expression of the text as given. A field equal on both sides (None and None
    included) is left out, as changed_values leaves it."""
    postgres = connection.vendor == "postgresql"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    parts = []
    for name, old, new, kind, new_text in fields:
        old_json, new_json = old, new
        if kind == "decimal":
            new_json = new_text
            old_json = (
                f"CAST({old} AS text)"
                if postgres
                else f"CASE WHEN {old} IS NULL THEN NULL ELSE printf('%%.6f', {old}) END"
            )
        elif kind == "boolean" and not postgres:
            old_json, new_json = (
                f"CASE WHEN {value} IS NULL THEN NULL WHEN {value} THEN json('true') ELSE json('false') END"
                for value in (old, new)
            )
        pair = (
            f"jsonb_build_object('{name}', jsonb_build_array({old_json}, {new_json}))"
            if postgres
            else f"json_object('{name}', json_array({old_json}, {new_json}))"
        )
        parts.append((f"{old} {distinct} {new}", pair))
    empty = "'{}'::jsonb" if postgres else "'{}'"
    cases = [f"CASE WHEN {differs} THEN {pair} ELSE {empty} END" for differs, pair in parts]
    if postgres:
        return " || ".join(cases) or empty
    expression = empty
    for case in cases:
        expression = f"json_patch({expression}, {case})"
    return expression


def audit_record_select(
    *,
    action,
    rows_sql,
    params=(),
    with_sql="",
    with_params=(),
    user=None,
    object_label="",
    batch=None,
    source=AuditSource.WEB,
):
    """Record one entry per row of `rows_sql`, in one INSERT … SELECT: a SELECT of (position,
    object_id, unit_id, criterion_id, changes), `changes` made by audit_changes_sql; entries are
    written in the order of position. Call inside the transaction of the changes. Returns how many.

    `with_sql` (and its `with_params`) is a WITH clause put before the INSERT, whose queries
    `rows_sql` may read: on PostgreSQL it may hold the change itself (an INSERT … RETURNING), so that
    the change and its entries are one statement."""
    if user is not None and not getattr(user, "is_authenticated", True):
        user = None  # an anonymous request has nobody to record
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    empty = "'{}'::jsonb" if connection.vendor == "postgresql" else "'{}'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"{with_sql} INSERT INTO {table} (at, user_id, action, object_label, object_id, unit_id, criterion_id, changes, "
            "reason, reason_code, reason_params, batch, source) "
            "SELECT %s, %s, %s, %s, x.object_id, x.unit_id, x.criterion_id, x.changes, '', '', "
            f"{empty}, %s, %s FROM ({rows_sql}) x ORDER BY x.position",
            [
                *with_params,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                _id(user),
                action,
                object_label,
                batch or "",
                source,
                *params,
            ],
        )
        return cursor.rowcount
