"""`import_dossiers`: streamed CSV, bad rows reported and skipped, good rows upserted by
(source, external_id), and exactly the unit-months they count in marked stale."""

import csv
import datetime
import io
import threading
import tracemalloc
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import measures
from dossiers.importers.dossiers import COLUMNS
from dossiers.models import Dossier, DossierAdded, DossierMonth, DossierMonthDirty, Scope
from dossiers.services import STATS_INCREMENTAL
from dossiers.stats import dossier_stats_incremental
from jobs.models import Job
from tests.importing import pending_jobs, write_csv

GOOD = {
    "source": "motcua",
    "external_id": "D1",
    "unit_code": "B1",
    "procedure_code": "1.001",
    "procedure_name": "Đăng ký khai sinh",
    "received_at": "2024-01-15T09:00:00+07:00",
    "due_at": "2024-01-25T17:00:00+07:00",
    "completed_at": "2024-03-02T10:00:00+07:00",
    "status": "completed",
    "channel": "online",
    "fully_online": "1",
    "fee_required": "có",
    "paid_online": "yes",
    "supplement_requests": "1",
    "supplement_days": "2.5",
    "result_entered": "true",
}


def line(**changes):
    values = {**GOOD, **changes}
    return [values[column] for column in COLUMNS]


def write(tmp_path, *lines, bom=False):
    return write_csv(tmp_path, [list(COLUMNS), *lines], bom=bom)


def run(path, *args):
    """(stdout, stderr) of an import in which every row is good."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_dossiers", path, *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue().strip()


def run_rejecting(path, *args, match="rejected"):
    """(stdout, stderr lines) of an import that exits non-zero."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=match):
        call_command("import_dossiers", path, *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().splitlines()


def dirty():
    return set(DossierMonthDirty.objects.values_list("unit__code", "month"))


def statistics_done():
    """What the statistics job leaves behind: no stale unit-month, no dossier to add, no pending job."""
    DossierMonthDirty.objects.all().delete()
    DossierAdded.objects.all().delete()
    Job.objects.all().delete()


def months(code, first, last):
    return {(code, month) for month in measures.months_between(first, last)}


def test_a_valid_file_imported_twice_stores_each_dossier_once(tree, tmp_path):
    path = write(tmp_path, line(), line(external_id="D2", unit_code="A"), line(external_id="D3"))
    assert run(path) == "created 3, updated 0, unchanged 0, rejected 0"
    d1 = Dossier.objects.get(source="motcua", external_id="D1")
    assert (d1.unit, d1.received_month, d1.completed_month) == (tree.commune_b1, 202401, 202403)
    assert d1.received_at == datetime.datetime(2024, 1, 15, 2, 0, tzinfo=datetime.UTC)
    assert d1.effective_completed_at == d1.completed_at - datetime.timedelta(days=2.5)
    assert (d1.fully_online, d1.fee_required, d1.paid_online, d1.result_entered) == (True, True, True, True)
    assert (d1.supplement_requests, d1.supplement_days) == (1, D("2.5"))
    assert pending_jobs() == [(STATS_INCREMENTAL, "all")]

    statistics_done()
    before = list(Dossier.objects.order_by("pk").values())
    assert run(path) == "created 0, updated 0, unchanged 3, rejected 0"
    assert list(Dossier.objects.order_by("pk").values()) == before  # not even updated_at moved
    assert dirty() == set()
    assert pending_jobs() == []


def test_new_dossiers_are_recorded_as_added_and_counted_in_exactly_their_months(tree, tmp_path):
    this_month = measures.month_of(timezone.now())
    pending_since = measures.months_between(202401, this_month)[-3]
    pending_received = f"{pending_since // 100}-{pending_since % 100:02d}-10T08:00:00+07:00"
    path = write(
        tmp_path,
        line(),  # received 15/1/2024, completed 2/3/2024
        line(
            external_id="P1",
            unit_code="A",
            status="pending",
            completed_at="",
            received_at=pending_received,
            due_at=pending_received,
        ),
    )
    run(path)
    assert dirty() == set()  # nothing to recount: the job adds what they count
    assert set(DossierAdded.objects.values_list("dossier__external_id", flat=True)) == {"D1", "P1"}
    assert pending_jobs() == [(STATS_INCREMENTAL, "all")]
    dossier_stats_incremental()
    counted = set(DossierMonth.objects.filter(scope=Scope.OWN).values_list("unit__code", "month"))
    assert counted == months("B1", 202401, 202403) | months("A", pending_since, this_month)


def test_in_a_batch_of_new_and_changed_dossiers_only_the_new_are_recorded_as_added(tree, tmp_path):
    run(write(tmp_path, line()))
    statistics_done()
    path = write(tmp_path, line(procedure_code="1.002"), line(external_id="D2"), line(external_id="D3"))
    assert run(path) == "created 2, updated 1, unchanged 0, rejected 0"
    assert set(DossierAdded.objects.values_list("dossier__external_id", flat=True)) == {"D2", "D3"}
    assert dirty() == months("B1", 202401, 202403)  # the changed one's months, recounted
    assert Dossier.objects.get(external_id="D1").procedure_code == "1.002"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no INSERT … RETURNING in a WITH")
def test_new_dossiers_are_recorded_as_added_from_their_insert_without_a_second_look_up(tree, tmp_path):
    # Looking the rows just written up again by their keys cost as much as writing them.
    with CaptureQueriesContext(connection) as queries:
        run(write(tmp_path, line(), line(external_id="D2")))
    added = [query["sql"] for query in queries if "dossiers_dossieradded" in query["sql"]]
    assert len(added) == 1
    assert added[0].startswith('WITH written AS (INSERT INTO "dossiers_dossier"')
    assert DossierAdded.objects.count() == 2


def test_a_dossier_moved_to_another_unit_marks_the_months_of_both(tree, tmp_path):
    run(write(tmp_path, line()))
    statistics_done()
    moved = write(tmp_path, line(unit_code="A", completed_at="2024-02-10T10:00:00+07:00", supplement_days="1"))
    assert run(moved) == "created 0, updated 1, unchanged 0, rejected 0"
    d1 = Dossier.objects.get()
    assert (d1.unit, d1.completed_month) == (tree.dept_a, 202402)
    assert dirty() == months("B1", 202401, 202403) | months("A", 202401, 202402)
    assert pending_jobs() == [(STATS_INCREMENTAL, "all")]


ISO_EXAMPLE, DUE_EXAMPLE = "2024-07-02T09:30:00+07:00", "2024-07-02T17:00:00+07:00"


def test_bad_rows_are_reported_with_line_column_and_reason_and_the_good_rows_kept(tree, tmp_path):
    path = write(
        tmp_path,
        line(external_id="G1"),
        line(external_id="X3", unit_code="Z9"),
        line(external_id="X4", completed_at="2024-01-10T09:00:00+07:00"),
        line(external_id="X5", completed_at=""),
        line(external_id="X6", status="pending"),
        line(external_id="X7", fee_required="0"),
        line(external_id="X8", result_entered="maybe"),
        line(external_id="X9", received_at="15/01/2024"),
        line(external_id="X10", due_at="2024-01-25"),
        line(external_id="X11", status="done", channel=""),
        line(external_id="X12", supplement_days="-1", supplement_requests="1.5"),
        line(external_id="G13", unit_code="A"),
    )
    out, err = run_rejecting(path)
    assert out == "created 2, updated 0, unchanged 0, rejected 10"
    assert sorted(Dossier.objects.values_list("external_id", flat=True)) == ["G1", "G13"]
    assert err == [
        f"{path}: line 3, column unit_code: unknown unit “Z9”",
        f"{path}: line 4, column completed_at: before received_at",
        f"{path}: line 5, column completed_at: a completed dossier needs the time it was completed",
        f"{path}: line 6, column status: pending, yet completed_at is given",
        f"{path}: line 7, column paid_online: paid online, yet fee_required says there is no fee",
        f"{path}: line 8, column result_entered: “maybe” is not yes or no (1/0, true/false, có/không)",
        f"{path}: line 9, column received_at: “15/01/2024” is not an ISO 8601 date and time ({ISO_EXAMPLE})",
        f"{path}: line 10, column due_at: “2024-01-25” has no time of day: give one too, e.g. {DUE_EXAMPLE}",
        f"{path}: line 11, column channel: this value is required",
        f"{path}: line 11, column status: “done” is not one of pending, completed, returned, withdrawn",
        f"{path}: line 12, column supplement_requests: “1.5” is not a whole number from 0 to 32767",
        f"{path}: line 12, column supplement_days: “-1” is negative",
    ]


def test_lines_are_counted_as_the_file_has_them_even_across_quoted_line_breaks(tree, tmp_path):
    path = write(tmp_path, line(procedure_name="Đăng ký\nkhai sinh"), line(external_id="X", unit_code="Z9"))
    _out, err = run_rejecting(path)
    assert err == [f"{path}: line 4, column unit_code: unknown unit “Z9”"]
    assert Dossier.objects.get().procedure_name == "Đăng ký\nkhai sinh"


def test_a_file_with_a_bom_and_headers_in_capitals_is_read(tree, tmp_path):
    path = write_csv(tmp_path, [[column.upper() for column in COLUMNS], line()], bom=True)
    assert run(path) == "created 1, updated 0, unchanged 0, rejected 0"


def test_naive_times_are_vietnam_time(tree, tmp_path):
    run(
        write(
            tmp_path, line(received_at="2024-01-31 23:30", due_at="2024-02-05T17:00", completed_at="", status="pending")
        )
    )
    dossier = Dossier.objects.get()
    assert dossier.received_at == datetime.datetime(2024, 1, 31, 16, 30, tzinfo=datetime.UTC)
    assert dossier.received_month == 202401  # 23:30 in Hà Nội, not 16:30 UTC of some other day


@pytest.mark.parametrize("batch_size", ["5000", "2"], ids=["same batch", "across batches"])
def test_a_repeated_external_id_keeps_its_first_line(tree, tmp_path, batch_size):
    path = write(
        tmp_path,
        line(external_id="D1"),
        line(external_id="D2"),
        line(external_id="D3"),
        line(external_id="D1", unit_code="A"),
        line(external_id="D1", source="other"),  # another system's D1 is another dossier
    )
    out, err = run_rejecting(path, "--batch-size", batch_size)
    assert err == [f"{path}: line 5, column external_id: duplicate of line 2"]
    assert out == "created 4, updated 0, unchanged 0, rejected 1"
    assert Dossier.objects.get(source="motcua", external_id="D1").unit == tree.commune_b1


@pytest.mark.parametrize(
    ("batch_size", "problems_per_batch"),
    [("5000", 10_000), ("3", 10_000), ("5000", 1)],
    ids=["same batch", "across batches", "a batch ended by its problems"],
)
def test_duplicates_and_bad_rows_are_reported_in_line_order_and_a_bad_first_line_is_no_first(
    tree, tmp_path, batch_size, problems_per_batch, monkeypatch
):
    from dossiers.management.commands import import_dossiers

    # A batch holds its problems until its duplicates are known; a file bad on every line ends
    # batches early rather than hold them all.
    monkeypatch.setattr(import_dossiers, "PROBLEMS_PER_BATCH", problems_per_batch)
    path = write(
        tmp_path,
        line(external_id="D1", unit_code="Z9"),  # bad: D1's first good line is the next one
        line(external_id="D1"),
        line(external_id="D2"),
        line(external_id="D1", unit_code="A"),
        line(external_id="D3", status="done"),
        line(external_id="D2"),
    )
    out, err = run_rejecting(path, "--batch-size", batch_size)
    assert err == [
        f"{path}: line 2, column unit_code: unknown unit “Z9”",
        f"{path}: line 5, column external_id: duplicate of line 3",
        f"{path}: line 6, column status: “done” is not one of pending, completed, returned, withdrawn",
        f"{path}: line 7, column external_id: duplicate of line 4",
    ]
    assert out == "created 2, updated 0, unchanged 0, rejected 4"
    assert Dossier.objects.get(external_id="D1").unit == tree.commune_b1


def test_a_bad_header_writes_nothing(tree, tmp_path):
    path = write_csv(tmp_path, [["source", "external_id", "unit", "received_at", "due_at", "status", "channel"], ["x"]])
    _out, err = run_rejecting(path, match="nothing was written")
    assert err == [f"{path}: line 1, column unit_code: missing column", f"{path}: line 1, column unit: unknown column"]
    assert not Dossier.objects.exists()


def test_a_line_that_is_not_utf8_stops_the_import_after_the_rows_before_it(tree, tmp_path):
    path = tmp_path / "latin1.csv"
    good = write(tmp_path, line(), line(external_id="D2"))
    with open(good, "rb") as handle:
        path.write_bytes(handle.read() + "motcua,D3,B1,,Hòa Vang\n".encode("latin-1"))
    run_rejecting(str(path), match="line 4: not UTF-8")
    assert Dossier.objects.count() == 2


def test_an_empty_file_is_refused(db, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _out, err = run_rejecting(str(path), match="nothing was written")
    assert err == [f"{path}: line 1: the file is empty, or its first line is not the header"]


@pytest.mark.slow  # a file of a hundred thousand rows
def test_a_large_file_streams_in_constant_memory(tree, tmp_path):
    """Memory is what one batch needs, not what the file holds: 12,000 parsed dossiers alone take
    about 11 MB, the whole import of them in batches of 500 a fraction of that. (Sized so the test
    stays fast under tracemalloc, which slows every allocation; the same holds at 50,000 rows.)"""
    rows = 12_000
    path = tmp_path / "large.csv"
    start = datetime.datetime(2024, 1, 1, 8, 0)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for number in range(rows):
            received = start + datetime.timedelta(minutes=10 * number)
            writer.writerow(
                line(
                    external_id=f"HS-{number:08d}",
                    unit_code=("A", "B", "B1")[number % 3],
                    received_at=received.isoformat(),
                    due_at=(received + datetime.timedelta(days=5)).isoformat(),
                    completed_at=(received + datetime.timedelta(days=3 + number % 4)).isoformat(),
                    supplement_days="0",
                    supplement_requests="0",
                )
            )
    tracemalloc.start()
    try:
        out = run(str(path), "--batch-size", "500")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out == f"created {rows}, updated 0, unchanged 0, rejected 0"
    assert Dossier.objects.count() == rows
    assert peak < 4 * 2**20, f"peak {peak / 2**20:.1f} MB"


@pytest.mark.usefixtures("tasks_in_process")
def test_a_failing_recompute_of_one_index_fails_alone_and_not_the_import(transactional_db, tree, tmp_path):
    # Really committed (transactional_db): the statistics job runs after the import's batch commits,
    # and asks for the recompute of each dossier index of 2024, which run in turn, in-process.
    from indicators.models import Aggregation, Direction, Index, Methodology, Result
    from indicators.services import RECOMPUTE
    from jobs.models import JobStatus
    from units.models import UnitKind

    # "bad" names no measure, as `import_methodology --aggregation dossiers` used to leave an index.
    bad = Index.objects.create(code="bad", name_vi="Hỏng")
    good = Index.objects.create(
        code="overdue", name_vi="Trễ hạn", direction=Direction.LOWER, dossier_measure="overdue_rate"
    )
    for index in (bad, good):
        Methodology.objects.create(index=index, year=2024, unit_kind=UnitKind.COMMUNE, aggregation=Aggregation.DOSSIERS)
    assert run(write(tmp_path, line())) == "created 1, updated 0, unchanged 0, rejected 0"
    assert Job.objects.get(kind=STATS_INCREMENTAL).status == JobStatus.DONE
    failed = Job.objects.get(kind=RECOMPUTE, key=f"{bad.pk}:2024")
    assert failed.status == JobStatus.FAILED and "index 'bad' is computed from dossiers but names no" in failed.error
    assert Job.objects.get(kind=RECOMPUTE, key=f"{good.pk}:2024").status == JobStatus.DONE
    # The one dossier of B1, completed late: 100 % overdue.
    assert Result.objects.get(index=good, year=2024, unit=tree.commune_b1).value == D(100)


def test_a_returned_or_withdrawn_dossier_needs_the_time_its_processing_ended(tree, tmp_path):
    # Issue 17: it is judged on time or late by that time, like a completed one; without it a late
    # dossier could be hidden by returning it.
    path = write(
        tmp_path,
        line(external_id="R1", status="returned", completed_at="", supplement_days="0"),
        line(external_id="W1", status="withdrawn", completed_at="", supplement_days="0"),
        line(external_id="R2", status="returned", completed_at="2024-01-20T10:00:00+07:00"),
    )
    out, err = run_rejecting(path)
    assert out == "created 1, updated 0, unchanged 0, rejected 2"
    reason = "a returned or withdrawn dossier needs the time its processing ended"
    assert err == [f"{path}: line 2, column completed_at: {reason}", f"{path}: line 3, column completed_at: {reason}"]
    returned = Dossier.objects.get(external_id="R2")
    assert returned.effective_due_at == returned.due_at + datetime.timedelta(days=2.5)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite: each batch is read as it is written")
def test_the_next_batch_is_read_while_the_database_writes_the_last(tree, tmp_path, monkeypatch):
    """The two cores each busy: the next batch's rows are checked (in a thread of their own) while
    the last batch is written, not after."""
    from dossiers.management.commands import import_dossiers

    read_ahead = threading.Event()
    check, staged_write = import_dossiers.dossier_check, import_dossiers.staged_write

    def checked(values, *, line, **kwargs):
        if line == 4:  # the second batch's first line
            read_ahead.set()
        return check(values, line=line, **kwargs)

    seen_while_writing = []

    def written(**kwargs):
        if not seen_while_writing:  # the first batch: wait for the second to be read meanwhile
            seen_while_writing.append(read_ahead.wait(timeout=10))
        return staged_write(**kwargs)

    monkeypatch.setattr(import_dossiers, "dossier_check", checked)
    monkeypatch.setattr(import_dossiers, "staged_write", written)
    path = write(tmp_path, *(line(external_id=f"D{number}") for number in range(4)))
    assert run(path, "--batch-size", "2") == "created 4, updated 0, unchanged 0, rejected 0"
    assert seen_while_writing == [True]


def test_a_batch_that_fails_is_not_written_nor_any_after_it_though_read_ahead(
    transactional_db, tree, tmp_path, monkeypatch
):
    """A batch failing at its commit (here: its unit deleted meanwhile) leaves the batches before it
    written and the one read ahead unwritten and unreported, as when batches were read one by one."""
    from dossiers.management.commands import import_dossiers
    from units.models import Unit, UnitKind

    gone = Unit.objects.create(
        code="C9", name="Xã Cũ", kind=UnitKind.COMMUNE, parent=tree.district_b, valid_from=tree.commune_b1.valid_from
    )
    staged_write = import_dossiers.staged_write
    calls = []

    def written(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM units_unit WHERE id = %s", [gone.pk])
        return staged_write(**kwargs)

    monkeypatch.setattr(import_dossiers, "staged_write", written)
    path = write_csv(
        tmp_path,
        [
            list(COLUMNS),
            line(external_id="D1"),
            line(external_id="D2"),
            line(external_id="D3", unit_code="C9"),  # the second batch: its unit deleted before it commits
            line(external_id="D4", status="done"),
            line(external_id="D5"),  # the third, read ahead
            line(external_id="D6", status="done"),
        ],
    )
    out, err = run_rejecting(path, "--batch-size", "2", match="the batch ending at line 5 was not written")
    assert err == [f"{path}: line 5, column status: “done” is not one of pending, completed, returned, withdrawn"]
    assert out == "created 2, updated 0, unchanged 0, rejected 1"
    assert set(Dossier.objects.values_list("external_id", flat=True)) == {"D1", "D2"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans and table statistics")
def test_the_stored_dossiers_and_the_keys_seen_are_looked_up_by_index_however_many(tree, tmp_path):
    """At a million stored dossiers the planner read the whole table for every batch (a hash join);
    looking the batch's keys up in the unique index costs what the batch holds, not the table."""
    from reformdash.lib.bulk import rows_insert
    from tests.reformdash.test_bulk import COLUMNS as STORED
    from tests.reformdash.test_bulk import row

    rows_insert(Dossier, STORED, (row(tree.commune_b1, f"S{number}") for number in range(20_000)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossier")
        path = write(tmp_path, *(line(external_id=f"D{number}") for number in range(600)))
        cursor.execute("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'dossiers_dossier'")
        (before,) = cursor.fetchone()
        run(path, "--batch-size", "300")
        cursor.execute("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'dossiers_dossier'")
        assert cursor.fetchone() == (before,)
    assert Dossier.objects.filter(source="motcua").count() == 600


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's DELETE of a whole table already empties it")
def test_the_staging_table_holds_no_pages_of_the_last_batch(tree):
    """Nothing vacuums a temporary table: emptied by a DELETE, it kept every batch's pages and each
    scan of it read them all again."""
    from dossiers.importers.dossiers import STAGING_TABLE, dossier_parse, dossiers_write, staging_prepare

    values = dict(zip(COLUMNS, line(), strict=True))
    dossiers = [
        dossier_parse({**values, "external_id": f"D{number}"}, units_by_code={"B1": tree.commune_b1.pk})[0]
        for number in range(500)
    ]
    dossiers_write(dossiers=dossiers)
    staging_prepare()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s)", [STAGING_TABLE])
        assert cursor.fetchone() == (0,)
