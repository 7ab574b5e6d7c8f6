"""reformdash settings: one file, every value read from the environment.

With nothing set it runs as the embedded default a newcomer gets from `make run`: DEBUG on,
an SQLite file under var/, Celery tasks run in-process, a local-memory cache.
`DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and to Redis with Celery workers.
`.env.example` lists every variable with its default.
"""

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from reformdash.lib.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_url,
    sqlite_default,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (a long random string).")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, open to superusers only (appraisers are is_staff but must not get in).
    "reformdash.apps.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "units",
    "indicators",
    "jobs",
    "preferences",
    "dossiers",
    "api",
    "audit",
    "trail",
    "assessments",
    "imports",
    "remediation",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files, before anything that would read a session or the database for them (settings below).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "reformdash.errors.ApiJsonErrorsMiddleware",  # every error under /api/ in JSON, DEBUG or not
    "reformdash.middleware.RefuseNulMiddleware",  # PostgreSQL refuses NUL: a 400 here, not a 500 in a lookup
    "reformdash.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "reformdash.middleware.LanguageSwitchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reformdash.middleware.PrivateNoStoreMiddleware",  # shared office computers: keep no logged-in page
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reformdash.lib.outage.DatabaseOutageMiddleware",  # database down: 503 "try again", not a 500
]

ROOT_URLCONF = "reformdash.urls"
WSGI_APPLICATION = "reformdash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reformdash.context_processors.header",
            ],
            # Number filters every page uses, without a {% load %} in each template.
            "builtins": ["reformdash.lib.numbers"],
            # {% load charts %}: Plotly's words in the page's language (partials/_chart_scripts.html).
            "libraries": {"charts": "reformdash.lib.charts"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {"default": sqlite_default(BASE_DIR)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        # The web server and in-process tasks write to one file: wait for the lock instead of
        # failing, take the write lock at BEGIN so a read-then-write cannot deadlock, and let
        # readers go on while a recompute writes.
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # No JIT: our statements are short, but recursive CTEs (a unit tree, a criterion tree) make
    # PostgreSQL guess millions of rows, and the JIT compilation those guesses buy costs 300 ms to
    # save nothing (the monthly dossier statistics went from 0.65 s to 8 s after an ANALYZE).
    # An `options` given in DATABASE_URL's query string replaces this.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ---------------------------------------------------------
REDIS_URL = redis_url()
# The failed-login counts (reformdash.lib.lockout) must be shared by every web process: in Redis
# when there is one, else in a table of the database (created by `migrate`, which runs
# `createcachetable` after the migrations: reformdash.apps), never in one process's memory.
LOGIN_CACHE = "login"
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        LOGIN_CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "login",
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        LOGIN_CACHE: {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "reformdash_login_cache",
            # The database cache drops a third of its rows past MAX_ENTRIES (300 by default): an
            # attack from many addresses would then wipe the counts it is meant to keep.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
    }

# With Redis a session is read from it, and written to it and to the database alike (Django's
# cached_db, Redis down falling back to the database: reformdash.lib.sessions): every request of a
# logged-in reader spared its session query (bench/README.md), a logout or an expiry ends it in
# both. Without Redis the cache is each process's own memory, where a logout in one process would
# leave the session alive in another's: the database alone.
SESSION_ENGINE = "reformdash.lib.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"

# Without a broker every task runs in-process, at the moment it is sent, and its exceptions
# propagate to the caller: the embedded default needs no worker and hides no failure.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that is down must not hang a web request that enqueues after commit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5, "max_retries": 1}
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Jobs whose message was lost (broker down at save time, worker killed) are sent again.
    "jobs-sweep": {"task": "jobs.sweep", "schedule": 60.0},
    # Every index and year again each night, so nothing stale outlives a day whatever happened.
    "results-recompute-nightly": {
        "task": "indicators.recompute_all",
        "schedule": crontab(hour=1, minute=30),
    },
    # Before the results: the yearly dossier indices read these statistics.
    "dossier-stats-nightly": {"task": "dossiers.stats_full_nightly", "schedule": crontab(hour=1, minute=0)},
    # The workflow's notifications (notifications/workflow.py), then their e-mail: each once, however
    # often they run (the workflow also asks for both after each step's commit).
    "notifications-workflow-sweep": {"task": "notifications.workflow_sweep", "schedule": 60.0},
    "notifications-mail-send": {"task": "notifications.mail_send", "schedule": 60.0},
    # After both: the month just ended judged on fresh statistics; plan actions past their deadline
    # (notifications.alerts). Each alert is written and mailed once, whatever runs twice.
    "notification-alerts-daily": {"task": "notifications.alerts_daily", "schedule": crontab(hour=6, minute=30)},
    # Monday morning, Vietnam time (CELERY_TIMEZONE): each member's weekly digest (notifications.digest).
    "notification-digest-weekly": {
        "task": "notifications.digest_weekly",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
}

# --- Authentication -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's own backend, counting failed logins per user name and address (reformdash.lib.lockout).
AUTHENTICATION_BACKENDS = ["reformdash.lib.lockout.LockoutBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language, numbers, dates, time zone ----------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
# 78,44 in Vietnamese, and 1.234.567 where a count asks for grouping (intcomma): grouping every
# number would print the year 2023 as "2.023". dd/mm/yyyy in both languages (reformdash/formats/).
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["reformdash.formats"]

# --- Static files: everything the pages load is served from here, never from a CDN --------
STATIC_URL = "static/"
# Plotly's JavaScript is a bundle of plotly.js with only the trace types we draw and no eval,
# vendored in static/vendor/plotly/ at the version of the plotly.js inside the installed plotly
# package (built by vendor-src/plotly; tests/reformdash/test_csp.py checks it): the package's own
# plotly.min.js needs 'unsafe-eval', which our Content-Security-Policy refuses.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# DEBUG off (production): `collectstatic` names every file after a hash of its content and writes a
# gzip and a brotli copy beside it; WhiteNoise serves the copy the browser accepts, a hashed name
# with a year's `Cache-Control: immutable` (a new content is a new name), from STATIC_ROOT. A
# first visit is then 0.4 MB instead of 5.6 (docs/development.md "Static files"). DEBUG on
# (`make run`, the tests): the files as they are, found in static/ at each request, no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "reformdash.lib.staticfiles.HashedCompressedStorage"
    },
}
# Decided here, from the environment's DEBUG, not by WhiteNoise from settings.DEBUG when it starts:
# the test runner turns DEBUG off after the settings are read, and the tests have no collectstatic.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")

# --- Security that depends on being behind HTTPS --------------------------------------------
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie (forms carry the token in a hidden field), so scripts
# injected into a page could not read it either.
CSRF_COOKIE_HTTPONLY = True
# A login lasts at most SESSION_COOKIE_AGE, and by default ends when the browser closes: the
# dashboard is used on shared office computers.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A monitor may ask gunicorn for the health check directly, over plain HTTP on the machine.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is decided for the whole registrable domain (gov.vn's agency, not this site) at
    # hstspreload.org; the header token alone would change nothing, so `check --deploy` need not
    # ask for it. Every other deployment warning stays on.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies of ours stand in front of gunicorn, each appending the address it saw
# to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for). 0: none, and no proxy header is
# believed — anyone can send them. With 1 or more, X-Forwarded-Proto says whether the request
# came over HTTPS, and the client's address is the one our outermost proxy appended, counted from
# the right (reformdash.lib.client.client_address), so a forged X-Forwarded-For changes nothing.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES={TRUSTED_PROXIES} must be 0 (no proxy) or the number of proxies.")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Login protection (reformdash.lib.lockout) ------------------------------------------------
# Within LOGIN_FAILURE_WINDOW seconds: after LOGIN_FAILURE_LIMIT failed logins for one user name
# from one address, that pair is refused; after LOGIN_ADDRESS_FAILURE_LIMIT from one address,
# whatever the user names, that address is; after LOGIN_ACCOUNT_FAILURE_LIMIT for one user name,
# whatever the addresses, that user name is — each until its window has passed.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 10)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
if min(LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT, LOGIN_ACCOUNT_FAILURE_LIMIT, LOGIN_FAILURE_WINDOW) < 1:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT, LOGIN_ACCOUNT_FAILURE_LIMIT and LOGIN_FAILURE_WINDOW "
        "must be 1 or more."
    )

# --- E-mail (notifications/) -------------------------------------------------------------------
# Django's own backends, chosen by the environment: the console by default (a newcomer's machine
# sends nothing), SMTP in production (deploy/reformdash.env). The tests send to a real local SMTP
# server they start (tests/notifications/conftest.py).
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "reformdash <noreply@localhost>"
# The address the links in e-mails start with (a job has no request to take it from).
SITE_URL = (env_str("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

# --- reformdash ------------------------------------------------------------------------------
# A criterion that lost points this many years running is flagged chronic in the ledger.
CHRONIC_LOSS_YEARS = env_int("CHRONIC_LOSS_YEARS", 3)
if CHRONIC_LOSS_YEARS < 2:
    raise ImproperlyConfigured(f"CHRONIC_LOSS_YEARS={CHRONIC_LOSS_YEARS} must be 2 or more.")
# On: anyone, logged in or not, may read the rankings of published results (page and export).
PUBLIC_RANKINGS = env_bool("PUBLIC_RANKINGS", default=False)
# A ranking of more units than this draws its chart and map when the reader asks (a button), not
# with the page: the 3,321 communes of the country made a page of 870 KB, most of it the two
# figures, and their building most of its time (bench, issue 22).
RANKING_CHARTS_INLINE_UNITS = env_int("RANKING_CHARTS_INLINE_UNITS", 500)
# --- Imports in the browser (imports/) ---------------------------------------------------------
# An upload larger than this is refused before it is read. Uploads are kept in IMPORT_ROOT,
# outside the web root. A file of at most IMPORT_INLINE_ROWS rows is written in the request;
# a bigger one by a background job.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_ROOT = Path(env_str("IMPORT_ROOT") or BASE_DIR / "var" / "imports")
IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", 2000)
# The check of an upload is a background job (in-process, in the request, without Redis). A file
# of more rows than IMPORT_MAX_ROWS is refused after a streamed count, before the importer reads it
# whole; a check still running after IMPORT_CHECK_SECONDS is stopped. Both say to split the file
# or use the import_* command on the server, which has neither limit.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_CHECK_SECONDS = env_int("IMPORT_CHECK_SECONDS", 300)
# --- Self-assessment evidence (assessments/) -------------------------------------------------
# Evidence files are kept here, outside MEDIA_ROOT and the static files, and served only through
# the download view that checks who may see the unit. A larger upload is refused before it is read.
EVIDENCE_ROOT = Path(env_str("EVIDENCE_ROOT") or BASE_DIR / "var" / "evidence")
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# Where `load_demo` keeps the generated demo passwords so `make run` can show them (DEBUG only).
DEMO_CREDENTIALS_FILE = BASE_DIR / "var" / "demo-credentials.json"

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # In-process tasks would log a "Task … succeeded" line for every job into runserver's output.
    "loggers": {"celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else LOG_LEVEL}},
}
