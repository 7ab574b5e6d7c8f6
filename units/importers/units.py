"""The units import: units upserted by code from a file (`import_units`, or the browser's imports pages).

Giving an existing unit another parent changes who sees it (units.access.units_visible_to follows
parents): the heads and officers of the old parent's chain stop seeing it and everything under it,
those of the new chain start. A reorganisation is a new unit with lineage (valid_to on the old,
valid_from and a UnitLineage link on the new), not a move. So a re-parented row is refused unless
the administrator allows moves explicitly (`allow_reparent`: `import_units --allow-reparent`, or
the administrators' checkbox of the import page); then the summary lists each move with who gains
and who loses sight of the unit, and each move is audited with its old and new parent.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditSource
from audit.services import audit_record_many, changed_values, new_batch
from reformdash.lib.tabular import parse_date
from units.access import members_count_by_unit, members_seeing_through, unit_ancestors
from units.models import Unit, UnitKind
from units.signals import units_changed
from units.validators import normalize_unit_name, unit_code_problem, unit_name_problem, unknown_unit_reason

UNIT_COLUMNS = ("code", "name", "kind")
UNIT_OPTIONAL_COLUMNS = ("parent_code", "valid_from", "valid_to")
_FIELDS = ("name", "kind", "valid_from", "valid_to")


def units_import(*, table, user=None, source=AuditSource.IMPORT, allow_reparent=False):
    """Upsert units by code from a Table of `code,name,kind,parent_code,valid_from,valid_to`.

    Checks every row first and writes all or nothing (raises ImportRejected). Returns counts, and
    under "moves" the existing units given another parent (only possible with allow_reparent, which
    the caller grants to administrators alone), each with who gains and who loses sight of it.
    """
    if not table.problems:
        table.require_headers(UNIT_COLUMNS, UNIT_OPTIONAL_COLUMNS)
    table.raise_if_problems()
    parsed, first_line = {}, {}
    kinds = set(UnitKind.values)
    for row in table.rows:
        code = row.get("code")
        code_problem = unit_code_problem(code)
        if code_problem:
            table.problem(row.line, "code", code_problem)
        elif code in first_line:
            table.problem(row.line, "code", _("duplicate of line %(line)d") % {"line": first_line[code]})
        else:
            first_line[code] = row.line
        name_problem = unit_name_problem(row.get("name"))
        if name_problem:
            table.problem(row.line, "name", name_problem)
        if row.get("kind") not in kinds:
            table.problem(
                row.line,
                "kind",
                _("“%(kind)s” is not one of %(kinds)s") % {"kind": row.get("kind"), "kinds": ", ".join(sorted(kinds))},
            )
        dates = {}
        for column in ("valid_from", "valid_to"):
            text = row.get(column)
            dates[column] = parse_date(text) if text else None
            if text and dates[column] is None:
                table.problem(row.line, column, _("“%(text)s” is not a date like 2025-07-01") % {"text": text})
        if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
            table.problem(row.line, "valid_to", _("the unit ends before it starts"))
        if first_line.get(code) != row.line:
            continue  # an empty or duplicate code: the row is reported, not kept
        parsed[code] = {
            "line": row.line,
            "name": normalize_unit_name(row.get("name")),
            "kind": row.get("kind"),
            "parent_code": row.get("parent_code"),
            **dates,
        }

    # A parent may be a unit stored before the code rules, so it is looked up whatever it holds —
    # but a NUL, which PostgreSQL cannot compare, cannot be a stored code.
    parent_codes = {p["parent_code"] for p in parsed.values() if p["parent_code"] and "\x00" not in p["parent_code"]}
    known_codes = set(first_line) | set(Unit.objects.filter(code__in=parent_codes).values_list("code", flat=True))
    for code, unit in parsed.items():
        parent_code = unit["parent_code"]
        if parent_code and parent_code == code:
            table.problem(unit["line"], "parent_code", _("a unit cannot be its own parent"))
        elif parent_code and parent_code not in known_codes:
            table.problem(unit["line"], "parent_code", unknown_unit_reason(parent_code))
    _check_parent_cycles(table, parsed)
    moves = _moves(table, parsed, allow_reparent=allow_reparent)
    table.raise_if_problems()
    return _units_write(parsed, moves=moves, user=user, source=source)


def _moves(table, parsed, *, allow_reparent):
    """{code: (old parent code or None, new parent code or None)} of the existing units the file
    gives another parent; each one a problem of its row unless moves are allowed."""
    current = {
        code: parent for code, parent in Unit.objects.filter(code__in=list(parsed)).values_list("code", "parent__code")
    }
    moves = {}
    for code, unit in parsed.items():
        if code not in current or (unit["parent_code"] or None) == current[code]:
            continue
        moves[code] = (current[code], unit["parent_code"] or None)
        if not allow_reparent:
            table.problem(
                unit["line"],
                "parent_code",
                _(
                    "“%(code)s” is under “%(old)s”; this file puts it under “%(new)s”, which would change who "
                    "sees its data. A reorganisation is a new unit with lineage, not a move: end this unit "
                    "(valid_to) and create its successor with a new code and a lineage link. Only an "
                    "administrator may move a unit, with the explicit option."
                )
                % {"code": code, "old": current[code] or "—", "new": unit["parent_code"] or "—"},
            )
    return moves


def _check_parent_cycles(table, parsed):
    parents = dict(Unit.objects.filter(parent__isnull=False).values_list("code", "parent__code"))
    parents.update({code: unit["parent_code"] or None for code, unit in parsed.items()})
    for code, unit in parsed.items():
        if unit["parent_code"] == code:
            continue  # reported as its own parent already
        seen, current = {code}, parents.get(code)
        while current is not None:
            if current in seen:
                table.problem(
                    unit["line"], "parent_code", _("the parents form a loop through “%(code)s”") % {"code": current}
                )
                break
            seen.add(current)
            current = parents.get(current)


@transaction.atomic
def _units_write(parsed, *, moves, user, source):
    existing = Unit.objects.in_bulk(list(parsed), field_name="code")
    # Who sees each moved unit now, before the writes below hang it elsewhere.
    known = {}
    chains_before = {code: unit_ancestors(unit_id=existing[code].pk, known=known) for code in moves}
    # Read before the writes below change the instances in place.
    before = {code: {**{f: getattr(u, f) for f in _FIELDS}, "parent": u.parent_id} for code, u in existing.items()}
    created, updated = [], []
    for code, values in parsed.items():
        unit = existing.get(code)
        if unit is None:
            created.append(Unit(code=code, **{field: values[field] for field in _FIELDS}))
        elif any(getattr(unit, field) != values[field] for field in _FIELDS):
            for field in _FIELDS:
                setattr(unit, field, values[field])
            updated.append(unit)
    Unit.objects.bulk_create(created)
    Unit.objects.bulk_update(updated, _FIELDS)
    # Parents last: a parent may be a unit this same file creates, on any line.
    by_code = Unit.objects.in_bulk(
        list(parsed) + [v["parent_code"] for v in parsed.values() if v["parent_code"]], field_name="code"
    )
    reparented = []
    for code, values in parsed.items():
        unit = by_code[code]
        parent = by_code.get(values["parent_code"]) if values["parent_code"] else None
        if unit.parent_id != (parent.pk if parent else None):
            unit.parent = parent
            reparented.append(unit)
    Unit.objects.bulk_update(reparented, ["parent"])
    # A new unit's first parent is part of its creation; only existing units count as updated.
    changed = [unit for unit in updated + reparented if unit.code in existing]
    if changed:
        # A unit's dates or parent decide which group it is ranked in: the engine (above units, so
        # it listens rather than being called) recomputes the years the units have results, in
        # this transaction.
        units_changed.send(sender=Unit, unit_ids={unit.pk for unit in changed})
    updated_codes = {unit.code for unit in changed}
    batch = _units_audit(parsed=parsed, by_code=by_code, before=before, user=user, source=source)
    summary = {
        "created": len(created),
        "updated": len(updated_codes),
        "unchanged": len(parsed) - len(created) - len(updated_codes),
    }
    if moves:
        summary["moved"] = len(moves)
        summary["moves"] = _moves_audit(
            parsed=parsed,
            moves=moves,
            by_code=by_code,
            chains_before=chains_before,
            user=user,
            source=source,
            batch=batch,
        )
    return summary


def _moves_audit(*, parsed, moves, by_code, chains_before, user, source, batch):
    """Each move audited with its old and new parent; returned as the summary's list of moves, with
    the units of the old chain whose members lose sight of the unit (and all under it), those of
    the new chain whose members gain it, and how many users that is each way."""
    described, entries = [], []
    # A reorganisation moves many units under the same few parents: each chain's members are read once.
    known, users, seeing = {}, {}, {}

    def seeing_through(ids):
        key = frozenset(ids)
        if key not in seeing:
            seeing[key] = members_seeing_through(unit_ids=key)
        return seeing[key]

    for code, (old_parent, new_parent) in moves.items():
        unit = by_code[code]
        before, after = chains_before[code], unit_ancestors(unit_id=unit.pk, known=known)
        before_ids, after_ids = {row["pk"] for row in before}, {row["pk"] for row in after}
        unread = (before_ids | after_ids) - set(users)
        if unread:
            users.update(dict.fromkeys(unread, 0))
            users.update(members_count_by_unit(unit_ids=unread))
        seeing_before, seeing_after = seeing_through(before_ids), seeing_through(after_ids)
        move = {
            "line": parsed[code]["line"],
            "code": code,
            "name": unit.name,
            "old_parent": old_parent,
            "new_parent": new_parent,
            "losing": _chain(before, leaving=after_ids, users=users),
            "gaining": _chain(after, leaving=before_ids, users=users),
            "users_losing": len(seeing_before - seeing_after),
            "users_gaining": len(seeing_after - seeing_before),
        }
        described.append(move)
        entries.append(
            {
                "action": "unit.move",
                "user": user,
                "obj": unit,
                "unit": unit,
                "changes": {"parent": (old_parent, new_parent)},
                "reason_code": "units.moved",  # put into words in the reader's language (audit.reasons)
                "reason_params": {"losing": move["users_losing"], "gaining": move["users_gaining"]},
                "batch": batch,
                "source": source,
            }
        )
    audit_record_many(entries)
    return described


def _chain(rows, *, leaving, users):
    """The units of an ancestor chain not in `leaving`, each with its count of members."""
    return [
        {"code": row["code"], "name": row["name"], "users": users.get(row["pk"], 0)}
        for row in rows
        if row["pk"] not in leaving
    ]


def _units_audit(*, parsed, by_code, before, user, source):
    """One entry per created or changed unit, with old and new values; the parent as its id."""
    batch, fields = new_batch(), (*_FIELDS, "parent")
    entries = []
    for code in parsed:
        unit = by_code[code]
        changes = changed_values(
            before.get(code), {**{f: getattr(unit, f) for f in _FIELDS}, "parent": unit.parent_id}, fields
        )
        if changes:
            entries.append(
                {
                    "action": "unit.import",
                    "user": user,
                    "obj": unit,
                    "unit": unit,
                    "changes": changes,
                    "batch": batch,
                    "source": source,
                }
            )
    audit_record_many(entries)
    return batch
