"""Issue 22's targets, each read off the figures of one run: what it asks, what was measured, met.

bench/run.py prints this after its table and keeps it in the JSON report, so that a run says on
its own which targets hold on this machine today and by how much the others miss. A target whose
figures the run did not measure (--only) is left out; the first visit and ten years of dossiers
are measured elsewhere (the browser test and --history), and said so.
"""

IMPORT_ROWS_PER_S = 20_000
IMPORT_PEAK_MB = 300
STATS_FULL_RATIO = 3.0
# "Incremental proportional to the day's dossiers, not the month's": a day's dossiers into a month
# that holds a month of them already may cost at most this much more than a day into a new month.
STATS_FULL_MONTH_OVER_NEW = 1.5
PAGES_P95_MS = 150
RECOMPUTE_RATIO = 1.2
FRESHNESS_S = 5.0
PAGE_FIGURES = ("rankings page", "scorecard page")


def targets(figures):
    """[{"item", "target", "measured", "met"}] of the run's figures (the lists figures.ALL return)."""
    by_name = {figure["figure"]: figure for results in figures for figure in results}
    rows = []

    def add(item, target, measured, met):
        rows.append({"item": item, "target": target, "measured": measured, "met": bool(met)})

    for name in ("import of scores", "import of dossiers"):
        if (figure := by_name.get(name)) is not None:
            add(
                f"1 {name}",
                f"≥ {IMPORT_ROWS_PER_S:,} rows/s, ≤ {IMPORT_PEAK_MB} MB",
                f"{figure['rows_per_s']:,} rows/s, {figure['peak_mb']} MB",
                figure["rows_per_s"] >= IMPORT_ROWS_PER_S and figure["peak_mb"] <= IMPORT_PEAK_MB,
            )
    if (full := by_name.get("dossier statistics, full")) is not None:
        add(
            "2 statistics, full", f"≤ {STATS_FULL_RATIO} × one GROUP BY", _ratio(full), _at_most(full, STATS_FULL_RATIO)
        )
    new_month = by_name.get("dossier statistics, incremental")
    full_month = by_name.get("dossier statistics, incremental, a full month")
    if new_month is not None and full_month is not None and new_month["ours_s"]:
        over = full_month["ours_s"] / new_month["ours_s"]
        add(
            "2 statistics, incremental",
            f"a day into a full month ≤ {STATS_FULL_MONTH_OVER_NEW} × a day into a new one",
            f"{full_month['ours_s']} s against {new_month['ours_s']} s: {over:.2f} ×",
            over <= STATS_FULL_MONTH_OVER_NEW,
        )
    pages = [figure for name, figure in by_name.items() if name.startswith(PAGE_FIGURES)]
    if pages:
        worst = max(pages, key=lambda figure: figure.get("p95_ms") or float("inf"))
        errors = sum(figure.get("errors") or 0 for figure in pages)
        add(
            "3 pages at 50 readers",
            f"p95 ≤ {PAGES_P95_MS} ms on every page, 0 errors",
            f"worst p95 {worst.get('p95_ms')} ms ({worst['figure']}), {errors} errors"
            + _first_minute(by_name.get("pages, the readers' first minute")),
            all(figure.get("p95_ms") is not None and figure["p95_ms"] <= PAGES_P95_MS for figure in pages)
            and errors == 0,
        )
    for name in ("recompute", "recompute, old units"):
        if (figure := by_name.get(name)) is not None:
            add(f"4 {name}", f"≤ {RECOMPUTE_RATIO} × bare SQL", _ratio(figure), _at_most(figure, RECOMPUTE_RATIO))
    for name, figure in by_name.items():
        if name.startswith("results on the pages after a save") and figure.get("medians"):
            slowest = max(figure["medians"].get("scorecard_s") or 0, figure["medians"].get("rankings_s") or 0)
            add(f"4 {name}", f"≤ {FRESHNESS_S} s", f"{slowest} s (the slower page)", 0 < slowest <= FRESHNESS_S)
    return rows


def _first_minute(figure):
    """The first minute's worst p95 (bench.load: every card rendered once), said beside the
    steady state's the target is read off."""
    if figure is None or figure.get("p95_ms") is None:
        return ""
    return f"; the first minute, every card new: {figure['p95_ms']} ms"


def table(rows):
    """The targets as lines of text, with the two measured elsewhere named."""
    lines = [f"{'target':44} {'asks':52} {'met':4} measured", "-" * 130]
    lines += [f"{r['item']:44} {r['target']:52} {'yes' if r['met'] else 'NO':4} {r['measured']}" for r in rows]
    lines.append("5 first visit: ≤ 1.5 MB — measured by tests/browser/test_first_visit.py (make test-slow)")
    lines.append("6 ten years of dossiers: 30 M figures = 10 M — measured by `bench/run.py --history`")
    return "\n".join(lines)


def _ratio(figure):
    return f"{figure.get('ratio')} × ({figure['ours_s']} s against {figure['baseline_s']} s)"


def _at_most(figure, bound):
    return figure.get("ratio") is not None and figure["ratio"] <= bound
