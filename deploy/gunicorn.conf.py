"""gunicorn's settings for reformdash's web process: production's (deploy/reformdash-web.service runs
`gunicorn -c deploy/gunicorn.conf.py`) and the load test's (bench/load.py, which only binds another
port), so that what the benchmark measures is the server production runs. A command-line option
given after `-c` wins over this file.

Sync workers, one request each at a time: a page is CPU (Python, then PostgreSQL on the same
machine), not waiting on the network, and nginx buffers slow clients (deploy/nginx.conf).
"""

import multiprocessing
import os

bind = "127.0.0.1:8000"

# gunicorn's own advice, 2 per core and one more: while a worker waits for PostgreSQL, Redis or the
# socket, another has the core. Issue 22's 2 cores: 5, as every load test of bench/README.md ran.
# WEB_CONCURRENCY (gunicorn's variable) sets another number.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)

# A request is cut off after 60 s; big imports run on the Celery workers.
timeout = 60

# One line per request, and the errors, on stdout: systemd's journal in production, the
# benchmark's var/bench/gunicorn.log.
accesslog = "-"
errorlog = "-"
