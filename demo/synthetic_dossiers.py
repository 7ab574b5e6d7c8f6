"""Synthetic dossiers for the demo and for benchmarks: `dossiers_generate`.

The numbers follow what the source article says goes wrong (docs/design.md §1): district and commune
units finish more dossiers late than departments, district one-stop desks often do not enter the
result, few dossiers are fully online and very few are paid online; the online share rises month
by month. They are made up, and the procedures' processing times are round figures, not the
legal ones.

Every dossier ends, as in a one-stop desk that works: most before their due date, a share a few
days late, a few weeks late, none later than MAX_OPEN_DAYS after it came in; a small share is
returned or withdrawn. So only the dossiers of the last weeks before `now` are still pending, and
a month's overdue rate is that of the dossiers handled in it, not of a backlog that never ends.
A unit that closes (valid_to) settles its dossiers by its last day: none of them ends after it.

Reproducible: each unit's profile is drawn from `random.Random(f"{seed}/{unit code}")` and each
unit-month's dossiers from `random.Random(f"{seed}/{unit code}/{month}")` (string seeds are hashed
with SHA-512, the same on every run and machine), in a fixed order: units by code, months in
order, dossiers by number. So a unit-month's dossiers depend only on the seed, the unit's code,
kind and closing date, the month, `per_unit_month` and `now` — not on which other units or months
are generated with it. External ids are `{unit code}-{yyyymm}-{n}`, n = 1…per_unit_month.

Upsert-free: the whole call is one transaction and it refuses (ValueError, nothing written) when
any dossier it would create already exists under the same source and external id — checked up
front per unit and month, with the unique constraint as the backstop. Generate other months or
units, or use another source, to add more.

Memory stays bounded: dossiers are produced lazily and written 5000 at a time; only the set of
(unit, month received, month completed) combinations, a few per unit-month, is kept.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from dossiers import measures
from dossiers.models import Channel, Dossier, DossierStatus
from dossiers.services import dossier_derive, dossier_stats_lock, dossiers_added_record
from reformdash.lib.bulk import rows_insert
from units.models import UnitKind

DAY = datetime.timedelta(days=1)
WORKDAY_START = datetime.time(7, 30)
WORKDAY_MINUTES = 9 * 60 + 30  # 7:30–17:00
CENT = Decimal("0.01")
# The month from which the online share grows, by ONLINE_GROWTH a month (and shrinks before it).
ONLINE_REFERENCE_MONTH = 202401
ONLINE_GROWTH = 0.01


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    working_days: int  # processing time allowed
    fee_share: float  # share of its dossiers that carry a fee or charge


PROCEDURES = {
    "khai-sinh": Procedure("khai-sinh", "Đăng ký khai sinh", 1, 0.05),
    "ket-hon": Procedure("ket-hon", "Đăng ký kết hôn", 3, 0.05),
    "chung-thuc": Procedure("chung-thuc", "Chứng thực bản sao từ bản chính", 1, 0.6),
    "ho-kinh-doanh": Procedure("ho-kinh-doanh", "Đăng ký hộ kinh doanh", 3, 0.5),
    "gp-xay-dung": Procedure("gp-xay-dung", "Cấp giấy phép xây dựng nhà ở riêng lẻ", 15, 0.5),
    "gcn-qsdd": Procedure("gcn-qsdd", "Cấp giấy chứng nhận quyền sử dụng đất", 15, 0.4),
    "dk-doanh-nghiep": Procedure("dk-doanh-nghiep", "Đăng ký thành lập doanh nghiệp", 3, 0.3),
    "ly-lich-tu-phap": Procedure("ly-lich-tu-phap", "Cấp Phiếu lý lịch tư pháp", 10, 0.4),
    "doi-gplx": Procedure("doi-gplx", "Đổi giấy phép lái xe", 5, 0.6),
}


@dataclass(frozen=True)
class KindProfile:
    """Ranges the unit's own rates are drawn from, and its mix of procedures (code, weight)."""

    procedures: tuple
    late: tuple  # share of processed dossiers finished late, mostly by a few days
    long_late: float  # share finished weeks after their due date (LONG_LATE_DAYS)
    result_missing: tuple  # share of completed dossiers whose result is not entered
    online: tuple  # online share in ONLINE_REFERENCE_MONTH
    fully_online: tuple  # share of online dossiers handled fully online
    paid_online: tuple  # share of online dossiers with a fee that are paid online


_DEPARTMENT = KindProfile(
    procedures=(("dk-doanh-nghiep", 35), ("ly-lich-tu-phap", 30), ("doi-gplx", 35)),
    late=(0.01, 0.05),
    long_late=0.003,
    result_missing=(0.0, 0.02),
    online=(0.45, 0.65),
    fully_online=(0.25, 0.45),
    paid_online=(0.10, 0.25),
)
PROFILES = {
    UnitKind.DEPARTMENT: _DEPARTMENT,
    UnitKind.DISTRICT: KindProfile(
        procedures=(("ho-kinh-doanh", 30), ("gp-xay-dung", 20), ("gcn-qsdd", 30), ("chung-thuc", 20)),
        late=(0.06, 0.20),
        long_late=0.02,
        result_missing=(0.05, 0.30),
        online=(0.25, 0.45),
        fully_online=(0.15, 0.35),
        paid_online=(0.05, 0.15),
    ),
    UnitKind.COMMUNE: KindProfile(
        procedures=(("khai-sinh", 40), ("chung-thuc", 45), ("ket-hon", 15)),
        late=(0.04, 0.15),
        long_late=0.01,
        result_missing=(0.01, 0.06),
        online=(0.10, 0.30),
        fully_online=(0.10, 0.30),
        paid_online=(0.03, 0.12),
    ),
}
POSTAL = (0.02, 0.05)  # share sent by post (bưu chính công ích)
SUPPLEMENT_ONCE, SUPPLEMENT_TWICE = 0.10, 0.02
RETURNED, WITHDRAWN = 0.015, 0.008
# A long-late dossier ends this many days after its due date; and no dossier, however late, is
# still open MAX_OPEN_DAYS after it came in (the desk's backlog is cleared, not left for years).
LONG_LATE_DAYS = (20, 60)
MAX_OPEN_DAYS = 88


@dataclass(frozen=True)
class UnitRates:
    procedures: tuple
    weights: tuple
    late: float
    long_late: float
    result_missing: float
    online: float
    postal: float
    fully_online: float
    paid_online: float


def unit_rates(*, seed, code, kind):
    """The unit's own rates, drawn once from the seed and its code."""
    profile = PROFILES.get(kind, _DEPARTMENT)
    rng = random.Random(f"{seed}/{code}")
    return UnitRates(
        procedures=tuple(PROCEDURES[name] for name, _ in profile.procedures),
        weights=tuple(weight for _, weight in profile.procedures),
        late=rng.uniform(*profile.late),
        long_late=profile.long_late,
        result_missing=rng.uniform(*profile.result_missing),
        online=rng.uniform(*profile.online),
        postal=rng.uniform(*POSTAL),
        fully_online=rng.uniform(*profile.fully_online),
        paid_online=rng.uniform(*profile.paid_online),
    )


def _month_index(month):
    year, number = divmod(month, 100)
    return year * 12 + number - 1


def _add_working_days(moment, days):
    """`days` working days (Monday to Friday; public holidays ignored) after `moment`, same time of day."""
    while days > 0:
        moment += DAY
        if moment.weekday() < 5:
            days -= 1
    return moment


def _received_moment(rng, *, working_days, start, now):
    """A working day of the month and a time in working hours, before `now`."""
    day = rng.choice(working_days) if working_days else None
    minute = rng.randrange(WORKDAY_MINUTES)
    if day is not None:
        moment = day + datetime.timedelta(hours=WORKDAY_START.hour, minutes=WORKDAY_START.minute + minute)
        if moment < now:
            return moment
    # The current month before its first working hour: anywhere in what has passed of it.
    return (start + (now - start) * rng.random()).replace(microsecond=0)


def _closing(unit):
    """The last minute of a unit that closes (its valid_to day's, Vietnam time), or None."""
    valid_to = getattr(unit, "valid_to", None)
    if valid_to is None:
        return None
    day_after = datetime.datetime.combine(valid_to + DAY, datetime.time.min)
    return timezone.make_aware(day_after, timezone.get_default_timezone()) - datetime.timedelta(minutes=1)


def _days_between(earlier, later):
    return Decimal((later - earlier).total_seconds() / 86400).quantize(CENT, rounding=ROUND_DOWN)


def _days(rng, low, high):
    return Decimal(rng.uniform(low, high)).quantize(CENT, rounding=ROUND_DOWN)


def unit_month_dossiers(*, unit, month, count, seed, source, now, rates=None):
    """The `count` dossiers of one unit and month, unsaved and not yet derived, in number order."""
    rates = rates or unit_rates(seed=seed, code=unit.code, kind=unit.kind)
    rng = random.Random(f"{seed}/{unit.code}/{month}")
    start, end = measures.month_bounds(month)
    closing = _closing(unit)
    # Received only while the unit is open and before now.
    until = now if closing is None else min(now, closing)
    working_days = [
        day
        for day in (start + DAY * offset for offset in range((end - start).days))
        if day.weekday() < 5 and day < until
    ]
    late_share = min(0.95, rates.late * rng.uniform(0.7, 1.3))
    growth = ONLINE_GROWTH * (_month_index(month) - _month_index(ONLINE_REFERENCE_MONTH))
    online_share = min(0.95, max(0.02, rates.online + growth))
    for number in range(1, count + 1):
        procedure = rng.choices(rates.procedures, weights=rates.weights)[0]
        received_at = _received_moment(rng, working_days=working_days, start=start, now=until)
        due_at = _add_working_days(received_at, procedure.working_days)

        draw = rng.random()
        if draw < online_share:
            channel = Channel.ONLINE
        elif draw < online_share + rates.postal:
            channel = Channel.POSTAL
        else:
            channel = Channel.IN_PERSON
        fully_online = channel == Channel.ONLINE and rng.random() < rates.fully_online
        fee_required = rng.random() < procedure.fee_share
        paid_online = fee_required and channel == Channel.ONLINE and rng.random() < rates.paid_online

        draw = rng.random()
        supplement_requests = 2 if draw < SUPPLEMENT_TWICE else 1 if draw < SUPPLEMENT_TWICE + SUPPLEMENT_ONCE else 0
        supplement_days = (
            _days(rng, 1, 7) if supplement_requests == 1 else _days(rng, 3, 14) if supplement_requests else Decimal(0)
        )

        outcome = rng.random()
        result_entered = rng.random() >= rates.result_missing
        if outcome < RETURNED + WITHDRAWN:
            status = DossierStatus.RETURNED if outcome < RETURNED else DossierStatus.WITHDRAWN
            supplement_requests, supplement_days, result_entered = 0, Decimal(0), False
            completed_at = received_at + DAY * rng.uniform(0.1, 5)
        else:
            status = DossierStatus.COMPLETED
            allowed = due_at - received_at
            if outcome < RETURNED + WITHDRAWN + rates.long_late:
                effective = due_at + DAY * rng.uniform(*LONG_LATE_DAYS)
            elif rng.random() < late_share:
                effective = due_at + DAY * (0.05 + min(rng.expovariate(1 / 3), 45))
            else:
                effective = received_at + allowed * rng.uniform(0.15, 1.0)
            completed_at = effective + DAY * float(supplement_days)
        # However late, it ends within MAX_OPEN_DAYS; a unit that closes ends it by its last day.
        completed_at = min(completed_at, received_at + DAY * MAX_OPEN_DAYS)
        if closing is not None:
            completed_at = min(completed_at, closing)
        completed_at = completed_at.replace(microsecond=0)
        # The citizen's time cannot be longer than the dossier was open.
        supplement_days = min(supplement_days, _days_between(received_at, min(completed_at, now)))

        if completed_at > now:
            # Not finished by `now`: pending, with only the supplement time that has passed.
            status, completed_at, result_entered = DossierStatus.PENDING, None, False
        yield Dossier(
            source=source,
            external_id=f"{unit.code}-{month}-{number}",
            unit_id=unit.pk,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            received_at=received_at,
            due_at=due_at,
            completed_at=completed_at,
            status=status,
            channel=channel,
            fully_online=fully_online,
            fee_required=fee_required,
            paid_online=paid_online,
            supplement_requests=supplement_requests,
            supplement_days=supplement_days,
            result_entered=result_entered and status == DossierStatus.COMPLETED,
        )


def _check_months(months, now):
    months = sorted(set(months))
    last = measures.month_of(now)
    for month in months:
        if not isinstance(month, int) or not 1 <= month % 100 <= 12 or month < 200001:
            raise ValueError(f"{month!r} is not a month as yyyymm (202401)")
        if month > last:
            raise ValueError(f"month {month} is after now ({last}): dossiers cannot be received in the future")
    return months


_REFUSAL = "Generate other months or units, or use another source."
UNIT_CHUNK = 500


def _refuse_existing(*, source, units, months):
    """Raise ValueError if the source already has dossiers of these units received in these months.

    The ids made here are `{unit code}-{month}-{n}` for a dossier of that unit received in that
    month, so this finds every id the call would repeat (n = 1 is always among them) with one
    indexed query per 500 units instead of a look-up per dossier. Ids stored some other way are
    left to the unique constraint."""
    for begin in range(0, len(units), UNIT_CHUNK):
        found = list(
            Dossier.objects.filter(source=source, unit__in=units[begin : begin + UNIT_CHUNK], received_month__in=months)
            .order_by("external_id")
            .values_list("external_id", flat=True)[:3]
        )
        if found:
            raise ValueError(
                f"dossiers of source {source!r} already exist for these units and months "
                f"(e.g. {', '.join(found)}); nothing was written. {_REFUSAL}"
            )


def dossiers_generate(*, units, months, per_unit_month, seed, source="synthetic", now=None):
    """Create `per_unit_month` synthetic dossiers for every unit and yyyymm month; return how many.

    Nothing is completed after `now` (default: the current time): a dossier whose completion
    would come later is pending. Months after `now`'s month are refused. The dossiers, recorded
    as added as an import records the ones it creates (the statistics job adds what they count),
    are written in one transaction, with the statistics job requested after commit.
    Refuses, writing nothing, when any of the dossiers exists already (see the module docstring)."""
    now = now or timezone.now()
    if not isinstance(per_unit_month, int) or per_unit_month < 0:
        raise ValueError("per_unit_month must be a whole number, 0 or more")
    months = _check_months(months, now)
    units = sorted(units, key=lambda unit: unit.code)
    try:
        with transaction.atomic():
            _refuse_existing(source=source, units=units, months=months)
            return _write(units=units, months=months, per_unit_month=per_unit_month, seed=seed, source=source, now=now)
    except IntegrityError as error:
        # An id stored some other way, or a unit deleted meanwhile: the transaction wrote nothing.
        raise ValueError(f"the dossiers could not be written, so none was: {error}. {_REFUSAL}") from error


# Every column but the id, in the order the rows below give them.
_COLUMNS = [field.attname for field in Dossier._meta.concrete_fields if not field.primary_key]


def _write(*, units, months, per_unit_month, seed, source, now):
    written_at = timezone.now()

    def rows():
        for unit in units:
            rates = unit_rates(seed=seed, code=unit.code, kind=unit.kind)
            for month in months:
                for dossier in unit_month_dossiers(
                    unit=unit, month=month, count=per_unit_month, seed=seed, source=source, now=now, rates=rates
                ):
                    dossier_derive(dossier)
                    dossier.updated_at = written_at  # auto_now, which only save() and bulk_create set
                    yield tuple(getattr(dossier, column) for column in _COLUMNS)

    # Every dossier is new (_refuse_existing): recorded as added, as an import records the ones it
    # creates, so the statistics job adds what they count: those of this source after the last id.
    dossier_stats_lock(shared=True)
    before = Dossier.objects.aggregate(last=Max("id"))["last"] or 0
    # COPY on PostgreSQL: ten million dossiers for a benchmark must not take an hour.
    created = rows_insert(Dossier, _COLUMNS, rows())
    dossiers_added_record(where="d.id > %s AND d.source = %s", params=[before, source])
    return created
