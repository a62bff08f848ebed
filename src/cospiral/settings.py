"""Settings, driven by COSPIRAL_* environment variables.

COSPIRAL_DATA_DIR       where the SQLite file, the secret key and uploads live
                        (default: the per-user data directory, e.g. ~/.local/share/cospiral)
COSPIRAL_DATABASE_URL   default sqlite:///<data dir>/cospiral.sqlite3 (WAL mode);
                        postgresql://user@host:5432/name through psycopg 3
COSPIRAL_SECRET_KEY     default: generated once and kept in <data dir>/secret_key
COSPIRAL_DEBUG          1/true/yes to turn debug on (default off)
COSPIRAL_ALLOWED_HOSTS  comma-separated host names (default: localhost,127.0.0.1,[::1])
COSPIRAL_TASKS_BACKEND  database (default: a queue in the database, run by `cospiral worker`),
                        rq (Redis, COSPIRAL_REDIS_URL) or immediate (run inside the request;
                        the test suite's default)
COSPIRAL_REDIS_URL      Redis for the rq backend (default redis://127.0.0.1:6379/0)
COSPIRAL_CACHE_URL      shared cache: default Django's database cache; redis://… for Redis
COSPIRAL_IMPORT_INLINE_BYTES  imports larger than this run as jobs (default 262144)
"""

import ipaddress
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
import platformdirs
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(
    os.environ.get("COSPIRAL_DATA_DIR") or platformdirs.user_data_dir("cospiral", appauthor=False)
).expanduser()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("COSPIRAL_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("COSPIRAL_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("COSPIRAL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "cospiral.core",
    "cospiral.jobs",
    "cospiral.grid",
    "cospiral.territories",
    "cospiral.groups",
    "cospiral.cards",
    "cospiral.coding",
    "cospiral.syntheses",
    "cospiral.statistics",
    "cospiral.indicators",
    "cospiral.surveys",
    "cospiral.existing_actions",
    "cospiral.actions",
    "cospiral.contracts",
    "cospiral.votes",
    "cospiral.review",
    "cospiral.api",
    "cospiral.packages",
    "cospiral.network",
    "cospiral.privacy",  # a person's own data: download, erasure (issue 13)
    "cospiral.demo",  # the demo territory and the generator (cospiral demo, cospiral generate)
]

MIDDLEWARE = [
    "cospiral.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cospiral.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "cospiral.wsgi.application"

DATABASE_URL = os.environ.get("COSPIRAL_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'cospiral.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept between requests on SQLite too: a new one re-reads the whole
    # schema on its first query (about 3 ms of every request at the demo's size).
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while a facilitator writes; IMMEDIATE avoids
        # "database is locked" upgrades in concurrent write transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Dates as « 1 déc. 2026 » / « 1 Dec 2026 » on every page (cospiral/formats/).
FORMAT_MODULE_PATH = ["cospiral.formats"]
TIME_ZONE = os.environ.get("COSPIRAL_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("COSPIRAL_STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # collectstatic fills it for deployments
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Deployments run `cospiral collectstatic` and set COSPIRAL_STATIC_MANIFEST=1: files are
# then served under content-hashed names (cached for ever by browsers), and a template
# naming a file that was not collected fails loudly instead of serving a page unstyled.
COSPIRAL_STATIC_MANIFEST = _env_bool("COSPIRAL_STATIC_MANIFEST")
if COSPIRAL_STATIC_MANIFEST:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    WHITENOISE_USE_FINDERS = False

MEDIA_ROOT = DATA_DIR / "media"

# Uploads (card and grid imports): refuse anything larger than this many bytes.
COSPIRAL_MAX_UPLOAD_BYTES = int(os.environ.get("COSPIRAL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
# Table imports (cards, grid, survey responses, actions, commitments, grid mappings):
# limits checked while reading, before memory grows (see cospiral.core.imports).
COSPIRAL_IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get(
    "COSPIRAL_IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024))
COSPIRAL_IMPORT_MAX_ROWS = int(os.environ.get("COSPIRAL_IMPORT_MAX_ROWS", 200_000))
COSPIRAL_IMPORT_MAX_COLUMNS = int(os.environ.get("COSPIRAL_IMPORT_MAX_COLUMNS", 300))
COSPIRAL_IMPORT_MAX_CELL_CHARS = int(os.environ.get("COSPIRAL_IMPORT_MAX_CELL_CHARS", 10_000))
COSPIRAL_IMPORT_MAX_SECONDS = float(os.environ.get("COSPIRAL_IMPORT_MAX_SECONDS", 120))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Open-data package imports: each limit is checked before memory grows (a zip bomb is
# refused from the archive's directory, reads stop at the limit).
COSPIRAL_PACKAGE_MAX_BYTES = int(os.environ.get("COSPIRAL_PACKAGE_MAX_BYTES", 256 * 1024 * 1024))
COSPIRAL_PACKAGE_MAX_FILE_BYTES = int(os.environ.get("COSPIRAL_PACKAGE_MAX_FILE_BYTES",
                                                     128 * 1024 * 1024))
COSPIRAL_PACKAGE_MAX_RATIO = int(os.environ.get("COSPIRAL_PACKAGE_MAX_RATIO", 200))
COSPIRAL_PACKAGE_MAX_FILES = int(os.environ.get("COSPIRAL_PACKAGE_MAX_FILES", 64))
COSPIRAL_PACKAGE_MAX_DEPTH = int(os.environ.get("COSPIRAL_PACKAGE_MAX_DEPTH", 32))
COSPIRAL_PACKAGE_MAX_CELL = int(os.environ.get("COSPIRAL_PACKAGE_MAX_CELL", 100_000))

# --- Rate limits of the anonymous public pages and the clients behind a proxy (issue 13) --
# Posts per link and per browser (an anonymous id in its session) per minute, on the
# online entry, survey and vote pages; and a higher ceiling per link and client address,
# so that a class of 30 behind one school address can each post while one client that
# drops its cookies cannot flood.
COSPIRAL_ONLINE_RATE = os.environ.get("COSPIRAL_ONLINE_RATE", "30/m")
COSPIRAL_ONLINE_ADDRESS_RATE = os.environ.get("COSPIRAL_ONLINE_ADDRESS_RATE", "600/m")
# Reverse proxies in front of cospiral (comma-separated IPs or CIDRs). Only a request from
# one of them has its X-Forwarded-For read (the right-most address that is not a trusted
# proxy is the client); empty: REMOTE_ADDR is the client and the header is ignored.
COSPIRAL_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("COSPIRAL_TRUSTED_PROXIES", "").split(",")
                            if p.strip()]
for _proxy in COSPIRAL_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"COSPIRAL_TRUSTED_PROXIES: “{_proxy}” is not an IP address or a CIDR network "
            "(for example 10.0.0.1 or 10.0.0.0/8).") from None
# REST API: requests per minute per API key.
COSPIRAL_API_RATE = os.environ.get("COSPIRAL_API_RATE", "600/m")

# One shared cache for every web process and worker (rate-limit counters, cached
# charts): Django's database cache by default (its table is made by `migrate`), Redis
# through Django's own backend when COSPIRAL_CACHE_URL=redis://… is set.
CACHE_URL = os.environ.get("COSPIRAL_CACHE_URL", "").strip()
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "cospiral_cache"}}
RATELIMIT_USE_CACHE = "default"
# The database cache is shared by every process (django-ratelimit's check flags it because
# its increment is a read then a write, not atomic: two requests of the same key at the
# same instant may count once; Redis, COSPIRAL_CACHE_URL, counts atomically).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

# --- background jobs (cospiral.jobs): Django's tasks API through django-tasks ---------
# Under pytest the immediate backend runs each job inside start_job, through the same code.
_UNDER_PYTEST = "pytest" in sys.modules
COSPIRAL_TASKS_BACKEND = os.environ.get(
    "COSPIRAL_TASKS_BACKEND", "immediate" if _UNDER_PYTEST else "database").strip().lower()
COSPIRAL_REDIS_URL = os.environ.get("COSPIRAL_REDIS_URL", "redis://127.0.0.1:6379/0")
COSPIRAL_TASKS_QUEUE = os.environ.get("COSPIRAL_TASKS_QUEUE", "cospiral")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
if COSPIRAL_TASKS_BACKEND not in _TASK_BACKENDS:
    raise ValueError(
        f"COSPIRAL_TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, "
        f"not {COSPIRAL_TASKS_BACKEND!r}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[COSPIRAL_TASKS_BACKEND],
                     "QUEUES": [COSPIRAL_TASKS_QUEUE]}}
if COSPIRAL_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {COSPIRAL_TASKS_QUEUE: {"URL": COSPIRAL_REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
# A running job writes a heartbeat this often; one silent for longer than
# COSPIRAL_JOB_STALE_SECONDS has lost its worker and is marked failed.
COSPIRAL_JOB_HEARTBEAT_SECONDS = float(os.environ.get("COSPIRAL_JOB_HEARTBEAT_SECONDS", 10))
COSPIRAL_JOB_STALE_SECONDS = float(os.environ.get("COSPIRAL_JOB_STALE_SECONDS", 300))
# Progress (done / total) is written at most this often.
COSPIRAL_JOB_PROGRESS_SECONDS = float(os.environ.get("COSPIRAL_JOB_PROGRESS_SECONDS", 0.5))
# Imports of files larger than this many bytes run as jobs; smaller ones at once.
COSPIRAL_IMPORT_INLINE_BYTES = int(os.environ.get("COSPIRAL_IMPORT_INLINE_BYTES", 256 * 1024))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Accounts and security (issue 13): sign-in lock-out, two-factor sign-in, e-mail,
# Content-Security-Policy, HTTPS, JSON errors under /api/. Kept in one block. ----------
import datetime as _dt  # noqa: E402
from urllib.parse import parse_qs as _parse_qs  # noqa: E402
from urllib.parse import unquote as _unquote  # noqa: E402
from urllib.parse import urlsplit as _urlsplit  # noqa: E402

INSTALLED_APPS += [
    "cospiral.accounts",             # first run, invitations, two-factor pages
    "axes",                          # lock-out after repeated sign-in failures
    "django_otp",                    # optional two-factor sign-in…
    "django_otp.plugins.otp_totp",   # …with a TOTP app (codes computed on a phone)
    "csp",
]
# JSON for every error under /api/ (outermost, so it sees every response), the CSP
# header, the second factor on request.user, and axes last (it must see the sign-in).
MIDDLEWARE.insert(0, "cospiral.core.middleware.ApiJsonErrorsMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "django_otp.middleware.OTPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 2,
                  "cospiral.core.middleware.FirstRunMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses any sign-in while locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Lock-out: COSPIRAL_LOGIN_FAILURES failed sign-ins lock the account, and separately the
# client address, for COSPIRAL_LOGIN_LOCKOUT_MINUTES (site administrators unlock earlier
# in the admin, "Access attempts", or with `cospiral axes_reset_username NAME`).
AXES_FAILURE_LIMIT = int(os.environ.get("COSPIRAL_LOGIN_FAILURES", "10"))
AXES_COOLOFF_TIME = _dt.timedelta(minutes=int(os.environ.get("COSPIRAL_LOGIN_LOCKOUT_MINUTES", "60")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The client's address as the rate limits see it: through COSPIRAL_TRUSTED_PROXIES, so
# that behind the reverse proxy each client has its own address lock.
AXES_CLIENT_IP_CALLABLE = "cospiral.core.clients.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = False  # no per-attempt table growing without end
# Two-factor sign-in: the issuer shown in the person's TOTP app.
OTP_TOTP_ISSUER = "cospiral"

# First run: print the setup link on the console while no account exists.
COSPIRAL_FIRST_RUN_ANNOUNCE = True
# Invitations by e-mail: the signed link is valid for this many days.
COSPIRAL_INVITATION_DAYS = int(os.environ.get("COSPIRAL_INVITATION_DAYS", "7"))
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # a reset link is valid three days


def _email_settings(url: str) -> dict:
    """``COSPIRAL_EMAIL_URL``: ``console://`` (default: messages are printed on the server's
    console), ``smtp://user:password@host:587?tls=1`` (or ``?ssl=1``, or ``smtps://``)."""
    parts = _urlsplit(url)
    if parts.scheme in ("", "console"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"COSPIRAL_EMAIL_URL: unknown scheme {parts.scheme!r} "
                         "(console:// or smtp://user:password@host:587?tls=1)")
    query = {k: v[-1].strip().lower() for k, v in _parse_qs(parts.query).items()}
    ssl = parts.scheme == "smtps" or query.get("ssl") in {"1", "true", "yes", "on"}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if ssl else 25),
        "EMAIL_HOST_USER": _unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": _unquote(parts.password or ""),
        "EMAIL_USE_TLS": not ssl and query.get("tls") in {"1", "true", "yes", "on"},
        "EMAIL_USE_SSL": ssl,
        "EMAIL_TIMEOUT": 20,
    }


globals().update(_email_settings(os.environ.get("COSPIRAL_EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = os.environ.get("COSPIRAL_EMAIL_FROM", "cospiral <cospiral@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Content-Security-Policy: scripts and styles only from our own static files, never
# inline (every behaviour is in static/cospiral/*.js; no style attribute in the pages;
# the charts are inline SVG that Vega draws with presentation attributes only).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

if _env_bool("COSPIRAL_HTTPS"):
    # Behind an HTTPS reverse proxy: secure cookies, trust its X-Forwarded-Proto, send
    # every http:// request to https:// and tell browsers to keep to HTTPS (HSTS).
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("COSPIRAL_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("COSPIRAL_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("COSPIRAL_HSTS_PRELOAD", True)
# --- end of accounts and security ----------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COSPIRAL_LOG_LEVEL", "WARNING")},
    # One line per request (cospiral.requests) and per job (cospiral.jobs), for the city's IT.
    "loggers": {"cospiral": {"handlers": ["console"], "propagate": False,
                             "level": os.environ.get("COSPIRAL_APP_LOG_LEVEL", "INFO")}},
}
