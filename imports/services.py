"""Writes of browser imports: store an upload, check it by a dry run, and write it once confirmed.

Checking is a background job (in-process, in the request, when there is no Redis): the upload is
stored, its run created "checking", and the job counts the rows by streaming the file (refusing
more than IMPORT_MAX_ROWS before anything reads the file whole), then dry-runs the importer with a
deadline (IMPORT_CHECK_SECONDS), keeping the first PROBLEMS_KEPT problems in full and counting the rest.

The importers are the command line's (indicators.importers, units.importers): they check the whole
file and then write it in one transaction, or raise ImportRejected. Checking runs the importer in
a transaction that is always rolled back, so the page lists exactly the problems the write would
meet and the counts it would give, and nothing (not even an audit entry) is left behind.

A score file is never read whole: its importer reads the rows from the file as it checks them
(reformdash.lib.tabular.open_table), the file held open for the length of the import.

Writing a confirmed file reads it again and runs the importer for real: in the request for a small
file, as a background job (jobs.services) for a big one; it still checks every row first and
writes all or nothing. Progress is written in short transactions
of its own between the steps, never inside the importer's, so the page polling it sees it move.
"""

import codecs
import contextlib
import logging
import time
import uuid
from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from audit.models import AuditSource
from imports.models import (
    PROBLEMS_KEPT,
    ImportKind,
    ImportPhase,
    ImportRun,
    ImportStatus,
)
from imports.selectors import check_progress_key
from indicators.importers.methodology import methodology_import
from indicators.importers.results import results_import
from indicators.importers.scores import scores_import
from jobs.services import TRANSIENT_ERRORS, job_kind_register, job_request, job_send, jobs_in_process
from reformdash.lib.tabular import XLSX_MAGIC, ImportRejected, Unreadable, open_table, read_rows, read_table
from units.access import Action, may
from units.importers.units import units_import

logger = logging.getLogger(__name__)

JOB_KIND = "imports.run"
CHECK_JOB_KIND = "imports.check"
_PROGRESS_EVERY = 1000
EXTENSIONS = (".csv", ".xlsx")
_SNIFF_BYTES = 8192


# --- the upload, before anything parses it -----------------------------------------------------


def upload_refusal(upload):
    """Why an uploaded file is refused before it is read (a message), or None.

    In this order: its size as the upload reports it (nothing read), its extension, then its first
    bytes: an XLSX is a zip, a CSV is UTF-8 text without NUL bytes."""
    limit = settings.IMPORT_MAX_BYTES
    if upload.size > limit:
        # filesizeformat writes the sizes the reader's way: 20,0 MB in Vietnamese.
        return _("The file is %(size)s; at most %(limit)s can be imported.") % {
            "size": filesizeformat(upload.size),
            "limit": filesizeformat(limit),
        }
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in EXTENSIONS:
        return _("Only CSV (.csv) and Excel (.xlsx) files can be imported.")
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    if extension == ".xlsx":
        if not head.startswith(XLSX_MAGIC):
            return _("The file is named .xlsx but is not an Excel workbook.")
        return None
    if head.startswith(XLSX_MAGIC):
        return _("The file is named .csv but is an Excel workbook: rename it .xlsx.")
    try:
        # Incremental: a character cut at the end of the sniffed bytes is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return _("The file is not UTF-8 text: save it as “CSV UTF-8”.")
    if b"\x00" in head:
        return _("The file is not a CSV text file.")
    return None


# --- checking: a dry run ----------------------------------------------------------------------


class _RolledBack(Exception):
    def __init__(self, result):
        self.result = result


def dry_run(call):
    """What call() returns, run in a transaction that is always rolled back: nothing stays written.

    After-commit work it asks for (a recompute job sent to a worker) is dropped with the rollback.
    ImportRejected and any other error come through as they are."""
    try:
        with transaction.atomic():
            raise _RolledBack(call())
    except _RolledBack as rolled_back:
        return rolled_back.result


def _import(run, table):
    """Run the importer of the run's kind on the table, for the run's uploader. Returns its counts."""
    common = {"table": table, "user": run.user, "source": AuditSource.IMPORT}
    if run.kind == ImportKind.SCORES:
        return scores_import(index_code=run.index.code, year=run.year, **common)
    if run.kind == ImportKind.RESULTS:
        return results_import(index_code=run.index.code, year=run.year, **common)
    if run.kind == ImportKind.METHODOLOGY:
        return methodology_import(
            index_code=run.index.code,
            year=run.year,
            unit_kind=run.unit_kind,
            aggregation=run.aggregation,
            measure=run.dossier_measure or None,
            **common,
        )
    # Checked again at each run: the uploader may have stopped being an administrator since.
    allow_reparent = run.allow_reparent and may(run.user, Action.MOVE_UNITS)
    return units_import(allow_reparent=allow_reparent, **common)


@contextlib.contextmanager
def _opened(run):
    """The run's file as a Table, for the length of the with: a score file's rows read from it as
    the importer goes through them (open_table: memory that does not grow with the file), the
    other kinds' read whole."""
    with run.file.open("rb") as handle:
        if run.kind == ImportKind.SCORES:
            yield open_table(handle, filename=run.original_name)
        else:
            yield read_table(handle, filename=run.original_name)


def _problems(problems):
    return [{"line": p.line, "column": p.column, "reason": p.reason} for p in problems[:PROBLEMS_KEPT]]


def import_run_check(
    *,
    user,
    kind,
    upload,
    index=None,
    year=None,
    unit_kind="",
    aggregation="",
    dossier_measure="",
    allow_reparent=False,
):
    """Store the upload and send the job that checks it by a dry run. Returns the ImportRun:
    being checked (its page follows the job), or already checked or rejected when jobs run in-process.

    allow_reparent (a units import by an administrator only) lets existing units get another
    parent; the check's summary then lists each move, for the uploader to read before confirming."""
    extension = PurePath(upload.name).suffix.lower()
    run = ImportRun(
        kind=kind,
        index=index,
        year=year,
        unit_kind=unit_kind or "",
        aggregation=aggregation or "",
        dossier_measure=dossier_measure or "",
        allow_reparent=bool(allow_reparent) and kind == ImportKind.UNITS and may(user, Action.MOVE_UNITS),
        original_name=PurePath(upload.name).name[:255],
        user=user,
        status=ImportStatus.CHECKING,
        phase=ImportPhase.WAITING,
    )
    # The stored name is ours: nothing of the user's file name reaches the file system.
    run.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    with transaction.atomic():
        run.save()
        job = job_request(kind=CHECK_JOB_KIND, key=f"run:{run.pk}", arguments={"run_id": run.pk}, send=False)
        ImportRun.objects.filter(pk=run.pk).update(job=job)
    send = partial(job_send, job_id=job.pk)
    if transaction.get_connection().in_atomic_block and not jobs_in_process():
        transaction.on_commit(send)  # a worker must find the run committed
    else:
        # The view runs in autocommit: both are committed. In-process (no Redis) the check runs
        # here, in this request, so the page shows its result at once; a test's transaction too.
        send()
    run.refresh_from_db()
    return run


class CheckStopped(Exception):
    """The check went past a limit (IMPORT_MAX_ROWS, IMPORT_CHECK_SECONDS): why, for the uploader."""


def _command(kind):
    return f"import_{kind}"


def _too_long(run):
    return CheckStopped(
        _(
            "The check took longer than %(seconds)s seconds and was stopped: split the file, "
            "or use the %(command)s command on the server."
        )
        % {"seconds": settings.IMPORT_CHECK_SECONDS, "command": _command(run.kind)}
    )


def _count_rows(run, *, deadline):
    """The rows of the file as read_table counts them (non-blank lines after the header), streamed
    in the memory of one row; CheckStopped as soon as there are more than IMPORT_MAX_ROWS. A file
    that cannot be read is counted up to there: read_table then says what is wrong with it."""
    limit, rows, header_seen = settings.IMPORT_MAX_ROWS, 0, False
    with run.file.open("rb") as handle:
        try:
            for line, values in read_rows(handle, filename=run.original_name):
                if line % _PROGRESS_EVERY == 0 and time.monotonic() > deadline:
                    raise _too_long(run)
                if not any(value.strip() for value in values):
                    continue
                if not header_seen:
                    header_seen = True
                    continue
                rows += 1
                if rows > limit:
                    raise CheckStopped(
                        _(
                            "The file has more than %(limit)s rows: split it, or use the %(command)s command on the server."
                        )
                        % {"limit": number_format(limit, force_grouping=True), "command": _command(run.kind)}
                    )
        except Unreadable:
            pass
    return rows


class _Watched:
    """A table's rows that, every _PROGRESS_EVERY rows an importer goes through, tell the cache how
    far it got and stop the check when its time is up: rows read whole (a list, as they were) or
    rows read from the file as they are iterated (open_table's, kept as they are: not a list, so
    nothing reads them but the importer's one pass)."""

    def __init__(self, rows, *, run, deadline):
        self.rows, self.run, self.deadline, self.furthest = rows, run, deadline, 0

    @staticmethod
    def of(rows, *, run, deadline):
        kind = _WatchedRows if isinstance(rows, list) else _Watched
        return kind(rows, run=run, deadline=deadline)

    def __iter__(self):
        for position, row in enumerate(self.rows, start=1):
            if position % _PROGRESS_EVERY == 0:
                self._step(position)
            yield row

    def _step(self, position):
        if time.monotonic() > self.deadline:
            raise _too_long(self.run)
        if position > self.furthest:
            self.furthest = position
            with contextlib.suppress(RedisError, OSError):
                cache.set(check_progress_key(self.run.pk), position, 3600)


class _WatchedRows(_Watched, list):
    """_Watched rows read whole: still a list (len, and the importers' one query for all their codes)."""

    def __init__(self, rows, *, run, deadline):
        list.__init__(self, rows)
        _Watched.__init__(self, list.__iter__(self), run=run, deadline=deadline)

    def __iter__(self):
        self.rows = list.__iter__(self)
        return _Watched.__iter__(self)


def import_run_check_execute(*, run_id):
    """The check job: count the rows (streamed), read the file, dry-run the importer. The run ends
    checked (with the importer's counts), rejected (its problems, or the limit it went past), or
    failed; nothing of the file is written either way. Returns 0: a check changes no rows."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportStatus.CHECKING).update(
        phase=ImportPhase.READING, progress_done=0, progress_total=0, updated_at=timezone.now()
    )
    if not claimed:
        return 0  # checked already (a message delivered twice)
    run = ImportRun.objects.select_related("index", "user").get(pk=run_id)
    deadline = time.monotonic() + settings.IMPORT_CHECK_SECONDS
    rows = 0
    try:
        rows = _count_rows(run, deadline=deadline)
        _progress(run_id, phase=ImportPhase.CHECKING, rows=rows, progress_total=rows)
        with _opened(run) as table:
            table.problem_limit = PROBLEMS_KEPT
            table.rows = _Watched.of(table.rows, run=run, deadline=deadline)
            summary = dry_run(lambda: _import(run, table))
    except CheckStopped as stopped:
        _finish(run_id, status=ImportStatus.REJECTED, error=str(stopped))
        return 0
    except ImportRejected as rejected:
        _finish(
            run_id,
            status=ImportStatus.REJECTED,
            problems=_problems(rejected.problems),
            problem_count=rejected.count,
        )
        return 0
    except TRANSIENT_ERRORS:
        _progress(run_id, phase=ImportPhase.WAITING)  # the job's retry checks it again
        raise
    except Exception as error:
        logger.exception("import run %s could not be checked", run_id)
        _finish(run_id, status=ImportStatus.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    finally:
        with contextlib.suppress(RedisError, OSError):
            cache.delete(check_progress_key(run_id))
    _progress(run_id, status=ImportStatus.CHECKED, phase=ImportPhase.WAITING, summary=summary, progress_done=rows)
    return 0


# --- writing ----------------------------------------------------------------------------------


def import_run_confirm(*, run, user):
    """The uploader confirms a checked run: write it now if small, else queue a job. Returns the run.

    A second confirmation (a double click) finds the run no longer checked and does nothing."""
    claimed = ImportRun.objects.filter(pk=run.pk, user=user, status=ImportStatus.CHECKED).update(
        status=ImportStatus.QUEUED,
        phase=ImportPhase.WAITING,
        confirmed_at=timezone.now(),
        job=None,  # the check's, done: from here the run's job is its write's, if it has one
        progress_done=0,
        progress_total=2 * run.rows,
    )
    if claimed:
        try:
            if run.rows <= settings.IMPORT_INLINE_ROWS:
                import_run_execute(run_id=run.pk)
            else:
                with transaction.atomic():
                    job = job_request(kind=JOB_KIND, key=f"run:{run.pk}", arguments={"run_id": run.pk})
                    ImportRun.objects.filter(pk=run.pk).update(job=job)
        except Exception:
            logger.exception("import run %s failed", run.pk)
    run.refresh_from_db()
    return run


def _progress(run_id, **fields):
    """One short transaction of its own, outside the importer's: the polling page sees it at once."""
    ImportRun.objects.filter(pk=run_id).update(**fields, updated_at=timezone.now())


def _finish(run_id, **fields):
    _progress(run_id, phase=ImportPhase.DONE, finished_at=timezone.now(), **fields)


def import_run_execute(*, run_id):
    """Write a confirmed run: read, check (dry run), write, each step recorded as it starts.

    The background job's work; returns the number of rows changed. If the data changed since the
    check and the importer now refuses, the run ends rejected with the problems and nothing written."""
    claimed = ImportRun.objects.filter(pk=run_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.READING, progress_done=0, updated_at=timezone.now()
    )
    if not claimed:
        return 0  # finished already, or never confirmed
    run = ImportRun.objects.select_related("index", "user").get(pk=run_id)
    try:
        with _opened(run) as table:
            # A streamed table's rows are not counted here: the check counted them (run.rows).
            rows = len(table.rows) if isinstance(table.rows, list) else run.rows
            _progress(run_id, phase=ImportPhase.CHECKING, rows=rows, progress_total=2 * rows)
            dry_run(lambda: _import(run, table))
        _progress(run_id, phase=ImportPhase.WRITING, progress_done=rows)
        with _opened(run) as table:
            summary = _import(run, table)
    except ImportRejected as rejected:
        _finish(
            run_id,
            status=ImportStatus.REJECTED,
            problems=_problems(rejected.problems),
            problem_count=len(rejected.problems),
        )
        return 0
    except TRANSIENT_ERRORS:
        _progress(run_id, status=ImportStatus.QUEUED, phase=ImportPhase.WAITING)  # the job's retry takes it again
        raise
    except Exception as error:
        _finish(run_id, status=ImportStatus.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    _finish(run_id, status=ImportStatus.DONE, summary=summary, progress_done=2 * rows, progress_total=2 * rows)
    return rows_changed(summary)


def rows_changed(summary):
    """The rows an importer's counts say it changed."""
    keys = ("changed", "created", "updated", "added", "removed", "assessments created")
    return sum(value for key, value in summary.items() if key in keys and isinstance(value, int))


def register_jobs():
    job_kind_register(kind=JOB_KIND, work=import_run_execute)
    job_kind_register(kind=CHECK_JOB_KIND, work=import_run_check_execute)
