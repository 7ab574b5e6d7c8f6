"""deploy/gunicorn.conf.py is the web server's one set of settings: production's service runs it,
and so does the benchmark's load test (bench/load.py), so what the load test measures is what
production runs."""

import multiprocessing
import runpy

from django.conf import settings

CONF = settings.BASE_DIR / "deploy" / "gunicorn.conf.py"


def test_workers_are_two_per_core_and_one_more_unless_web_concurrency_says(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    conf = runpy.run_path(str(CONF))
    assert conf["workers"] == 2 * multiprocessing.cpu_count() + 1
    assert (conf["bind"], conf["timeout"], conf["accesslog"]) == ("127.0.0.1:8000", 60, "-")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(CONF))["workers"] == 3


def test_production_and_the_load_test_run_the_same_file():
    service = (settings.BASE_DIR / "deploy" / "reformdash-web.service").read_text()
    assert "-c /srv/reformdash/deploy/gunicorn.conf.py reformdash.wsgi" in service
    assert "--workers" not in service
    load = (settings.BASE_DIR / "bench" / "load.py").read_text()
    assert '"deploy" / "gunicorn.conf.py"' in load and '"--workers"' not in load
