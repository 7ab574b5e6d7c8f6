"""`python -m tests.hostile.measure_read FILE`: read_table() on FILE in a fresh process, printing as
JSON how long it took, how much the process's peak memory grew, and the problems found.

A process of its own because peak RSS only grows: the test process's earlier peaks would hide this one."""

import json
import os
import resource
import sys
import time

import django


def main(path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reformdash.settings")
    django.setup()
    from django.utils import translation
    from openpyxl import load_workbook  # noqa: F401 (imported before measuring: its cost is not the file's)

    from reformdash.lib.tabular import read_table

    translation.activate("en")
    with open(path, "rb") as handle:
        data = handle.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    table = read_table(data, filename="upload.xlsx")
    seconds = time.monotonic() - started
    extra_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(
        json.dumps(
            {
                "seconds": seconds,
                "extra_mb": extra_kb / 1024,
                "problems": [p.reason for p in table.problems],
                "rows": len(table.rows),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
