"""The import of published results: an index's values (and official ranks) of a year, for indexes
whose scores are not in the system (`import_results`, or the browser's imports pages). How every
indicator import checks and writes: indicators.importers.common."""

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditSource
from audit.services import audit_record_many, changed_values, new_batch
from indicators.importers.common import (
    BATCH_SIZE,
    UNIT_NAME_COLUMN,
    FileUnits,
    check_year,
    checked_decimal,
    known_index,
    rounded_count,
    whole_number,
)
from indicators.models import Result, ResultSource
from indicators.services import results_recompute_request

RESULT_COLUMNS = ("unit_code", "value")
RESULT_OPTIONAL_COLUMNS = ("rank", "group_size")

_RESULT_FIELDS = ("value", "official_rank", "official_group_size", "source", "points", "applicable_max")


def results_import(*, table, index_code, year, user=None, source=AuditSource.IMPORT):
    """Upsert published results of an index and year from `unit_code,value[,rank,group_size]`.

    A published result replaces a computed one of the same unit; the rank is the official one,
    kept beside the rank computed among the units in the system. Returns counts (with how many
    values were rounded to the stored six decimals, when any was).
    """
    index = known_index(table, index_code)
    table.require_headers(RESULT_COLUMNS, (*RESULT_OPTIONAL_COLUMNS, UNIT_NAME_COLUMN))
    table.raise_if_problems()
    check_year(table, year)

    units = FileUnits(table, year)
    results, first_line = {}, {}
    for row in table.rows:
        unit = units.get(table, row)
        if unit is not None:
            if unit.pk in first_line:
                table.problem(row.line, "unit_code", _("duplicate of line %(line)d") % {"line": first_line[unit.pk]})
                unit = None
            else:
                first_line[unit.pk] = row.line
        ok = True
        value = None
        text, rank_text, size_text = row.get("value"), row.get("rank"), row.get("group_size")
        if text:
            value = checked_decimal(table, row.line, "value", text, negative_allowed=True)
            ok = value is not None
        elif not rank_text:
            table.problem(row.line, "value", _("the value is empty: give the value, or the rank and group size"))
            ok = False
        rank = whole_number(table, row.line, "rank", rank_text) if rank_text else None
        group_size = whole_number(table, row.line, "group_size", size_text) if size_text else None
        ok = ok and (rank is not None or not rank_text) and (group_size is not None or not size_text)
        if rank_text and not size_text:
            table.problem(row.line, "group_size", _("a rank needs its group size"))
            ok = False
        elif size_text and not rank_text:
            table.problem(row.line, "rank", _("a group size needs its rank"))
            ok = False
        elif rank is not None and group_size is not None and rank > group_size:
            table.problem(
                row.line,
                "rank",
                _("rank %(rank)d is beyond the group size %(size)d") % {"rank": rank, "size": group_size},
            )
            ok = False
        if unit is not None and ok:
            results[unit.pk] = {
                "value": value,
                "official_rank": rank,
                "official_group_size": group_size,
                "source": ResultSource.PUBLISHED,
                # Points and maximum belong to a computed result; the published one has neither.
                "points": None,
                "applicable_max": None,
            }
    table.raise_if_problems()

    with transaction.atomic():
        counts = _results_write(index=index, year=year, results=results, user=user, source=source)
    return {**counts, **rounded_count(table)}


def _results_write(*, index, year, results, user, source):
    stored = {
        row[0]: row[1:] for row in Result.objects.filter(index=index, year=year).values_list("unit_id", *_RESULT_FIELDS)
    }
    writes = [
        Result(unit_id=unit_id, index=index, year=year, **values)
        for unit_id, values in results.items()
        if stored.get(unit_id) != tuple(values[field] for field in _RESULT_FIELDS)
    ]
    Result.objects.bulk_create(
        writes,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["unit", "index", "year"],
        update_fields=[*_RESULT_FIELDS, "updated_at"],
    )
    batch = new_batch()
    audit_record_many(
        {
            "action": "result.import",
            "user": user,
            "obj": result,
            "unit": result.unit_id,
            "batch": batch,
            "source": source,
            "changes": changed_values(
                stored.get(result.unit_id) and dict(zip(_RESULT_FIELDS, stored[result.unit_id], strict=False)),
                results[result.unit_id],
                _RESULT_FIELDS,
            ),
        }
        for result in writes
    )
    if writes:
        results_recompute_request(index_id=index.pk, year=year)
    return {"results": len(results), "changed": len(writes)}
