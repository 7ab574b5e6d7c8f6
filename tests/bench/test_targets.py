"""bench/targets.py: issue 22's targets read off one run's figures, met or not, none invented."""

from bench import targets


def _figures(**overrides):
    figures = [
        [{"figure": "import of scores", "ours_s": 1.0, "rows_per_s": 21_000, "peak_mb": 120.0}],
        [
            {"figure": "dossier statistics, full", "ours_s": 0.3, "baseline_s": 0.1, "ratio": 3.0},
            {"figure": "dossier statistics, incremental", "ours_s": 0.05, "baseline_s": 0.01, "ratio": 5},
            {
                "figure": "dossier statistics, incremental, a full month",
                "ours_s": 0.1,
                "baseline_s": 0.001,
                "ratio": 100,
            },
        ],
        [
            {"figure": "rankings page, every commune (staff)", "ours_s": 0.14, "p95_ms": 140.0, "errors": 0},
            {"figure": "scorecard page (staff)", "ours_s": 0.15, "p95_ms": 150.0, "errors": 0},
            {"figure": "bare Django view", "ours_s": 0.9, "p95_ms": 900.0, "errors": 0},
        ],
        [{"figure": "recompute", "ours_s": 0.13, "baseline_s": 0.1, "ratio": 1.3}],
    ]
    for results in figures:
        for figure in results:
            figure.update(overrides.get(figure["figure"], {}))
    return figures


def _met(rows):
    return {row["item"]: row["met"] for row in rows}


def test_each_measured_target_is_reported_met_or_not_by_its_bound():
    assert _met(targets.targets(_figures())) == {
        "1 import of scores": True,
        "2 statistics, full": True,  # at the bound
        "2 statistics, incremental": False,  # a full month costs twice a new one: the month's size counts
        "3 pages at 50 readers": True,  # the bare view is the baseline, not a page
        "4 recompute": False,
    }


def test_a_page_over_its_p95_or_one_error_misses_the_pages_target():
    slow = targets.targets(_figures(**{"scorecard page (staff)": {"p95_ms": 151.0}}))
    failing = targets.targets(_figures(**{"rankings page, every commune (staff)": {"errors": 1}}))
    assert not _met(slow)["3 pages at 50 readers"]
    assert not _met(failing)["3 pages at 50 readers"]


def test_an_import_over_its_memory_misses_even_at_speed():
    rows = targets.targets(_figures(**{"import of scores": {"peak_mb": 301.0}}))
    assert not _met(rows)["1 import of scores"]


def test_figures_not_measured_give_no_target_and_the_table_names_those_measured_elsewhere():
    rows = targets.targets([[{"figure": "recompute", "ours_s": 0.1, "baseline_s": 0.1, "ratio": 1.0}]])
    assert _met(rows) == {"4 recompute": True}
    text = targets.table(rows)
    assert "test_first_visit.py" in text and "--history" in text


def test_the_first_minute_is_said_beside_the_pages_target_and_does_not_decide_it():
    figures = _figures()
    first = {"figure": "pages, the readers' first minute", "ours_s": 0.4, "p95_ms": 400.0, "errors": 0}
    figures[2].append(first)
    row = next(row for row in targets.targets(figures) if row["item"] == "3 pages at 50 readers")
    assert row["met"]  # read off the steady minute's pages, whose worst p95 is 150 ms
    assert "the first minute, every card new: 400.0 ms" in row["measured"]
