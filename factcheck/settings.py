"""Settings, all read from the environment (12-factor).

With nothing set, the project runs on an embedded default: a SQLite file and Celery tasks run
eagerly in-process. Set DATABASE_URL and REDIS_URL (or CELERY_BROKER_URL) for the real stack.
Every variable is listed in docker/.env.example.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Strict boolean parsing: a typo must not silently turn DEBUG on or off."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set (see docker/.env.example)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so its registration/ templates (password change) win over the admin's.
    "annotations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "annotations.audit.EntryPointMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login
]

# Content-Security-Policy on every response (django-csp): scripts, styles and images from this
# server only (the app has no inline script or style), never framed, forms posted here only. The
# API documentation pages relax it for what their bundles need (annotations/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Brute-force protection on every password check (login page, admin, API token) by django-axes:
# after LOGIN_FAILURE_LIMIT failures for one username from one address, that pair is locked out
# for LOGIN_LOCKOUT_MINUTES (admins unlock early: admin → Axes → Access attempts). Locking the
# pair, not the address, keeps a newsroom behind one NAT address working.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "annotations.api.throttling.client_address"
AXES_USERNAME_CALLABLE = "annotations.api.throttling.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotations.web.views.user_roles",
            ],
        },
    },
]

# A kept connection is checked before each request reuses it: one the database dropped (a
# restart, a terminated backend, a proxy's idle timeout) is replaced instead of failing it.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# No JIT compiling on PostgreSQL: it sets in above a cost estimate, and queries that read a page
# of an index in order and stop (a LIMIT over a filter the planner thinks rare) are estimated at
# millions. "next" spent 51 ms compiling its walk for 0.5 ms of reading (bench/scale.py). Every
# query here reads a page or a few rows; bulk writes go by COPY.
# A server that takes the connection and never answers (hung, overloaded, a half-dead proxy)
# fails the connection after DATABASE_CONNECT_TIMEOUT_SECONDS: libpq would wait for ever, and
# the request until gunicorn kills its worker.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
    _options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", 5))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "annotations:article_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Uploaded seed files are read in memory; the parser enforces its own 5 MB per-file limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 500
# At most this many sentences per article; a longer one is refused at ingest, naming the file.
# A 5 MB seed can hold hundreds of thousands (one of 196,000 loaded before this limit); the
# longest real articles have a few hundred. 20,000 (2 to 3.5 MB of news prose) lets long
# reports and transcripts in while bounding what one article costs to precompute and export.
ARTICLE_MAX_SENTENCES = env_int("ARTICLE_MAX_SENTENCES", 20_000)

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Plain http is redirected to https, except the health check (load balancers and the compose
    # healthcheck call it over http); browsers are told to use https only for a year (HSTS).
    # Neither by default on a plain-http trial (SECURE_COOKIES=0).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int(
        "SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0
    )
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Only once the domain is to be submitted to the browsers' preload list (hstspreload.org).
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")

# Celery: eager (in-process) when no broker is configured, so the embedded default needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"  # never try to reach a broker that is not configured
# Eager tasks behave like a worker's: a failure is recorded (and retried), not raised into the
# request or command that queued the task.
CELERY_TASK_EAGER_PROPAGATES = False
# Three queues, so that a backlog of one never starves the others: webhook deliveries and
# training runs are routed to their own, everything else goes to the default one. A worker
# started without -Q consumes all three; `-Q webhooks` (say) dedicates one to a queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE") or "factcheck"
CELERY_WEBHOOK_QUEUE = os.environ.get("CELERY_WEBHOOK_QUEUE") or "webhooks"
CELERY_TRAINING_QUEUE = os.environ.get("CELERY_TRAINING_QUEUE") or "training"
CELERY_TASK_QUEUES = {
    name: {} for name in (CELERY_TASK_DEFAULT_QUEUE, CELERY_WEBHOOK_QUEUE, CELERY_TRAINING_QUEUE)
}
CELERY_TASK_ROUTES = {
    "annotations.webhooks.tasks.deliver_webhook_task": {"queue": CELERY_WEBHOOK_QUEUE},
    "annotations.training.tasks.run_training_task": {"queue": CELERY_TRAINING_QUEUE},
}
# A broker that takes connections but never answers (a hung Redis, a dead NAT entry) would hold
# a publish for ever (kombu waits without a timeout unless told); each attempt now gives up after
# BROKER_TIMEOUT_SECONDS and a publish is tried twice, then queue_on_commit (annotations/jobs.py)
# leaves the work to its sweep and does not try again for BROKER_RETRY_SECONDS.
BROKER_TIMEOUT_SECONDS = env_int("BROKER_TIMEOUT_SECONDS", 2)
BROKER_RETRY_SECONDS = env_int("BROKER_RETRY_SECONDS", 30)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs its start-up on every command at INFO; failures and lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Candidate precompute and the learned detector.
PRECOMPUTE_BATCH_SIZE = env_int("PRECOMPUTE_BATCH_SIZE", 200)
# The sweep re-queues articles pending longer than this (seconds) or running longer than that;
# training runs pending as long are queued again too.
PRECOMPUTE_PENDING_GRACE = env_int("PRECOMPUTE_PENDING_GRACE", 600)
PRECOMPUTE_RUNNING_TIMEOUT = env_int("PRECOMPUTE_RUNNING_TIMEOUT", 1800)
# The training sweep requests a training run once this many labels were given, changed or
# imported since the active model was trained; 0 turns it off. After an automatic run failed
# (too few labels of a kind, most often), the next waits for this many labels more.
CANDIDATE_RETRAIN_EVERY = env_int("CANDIDATE_RETRAIN_EVERY", 500)
# The moderation queue's contested tab takes a sentence whose counted label contradicts a
# candidate suggestion scoring at least this much (0 to 1; per cent, as an integer).
CONTESTED_SCORE = env_int("CONTESTED_SCORE_PERCENT", 70) / 100
# Review assignment: how many reviewers each sentence needs (an article may override it), how
# long a sentence "next" hands out stays held for its reviewer, and whether "next" finishes
# articles already started before going by candidate score alone.
REVIEW_OVERLAP = env_int("REVIEW_OVERLAP", 2)
ASSIGNMENT_CLAIM_MINUTES = env_int("ASSIGNMENT_CLAIM_MINUTES", 20)
ASSIGNMENT_FAVOUR_STARTED = env_bool("ASSIGNMENT_FAVOUR_STARTED")
# The review page shows an article this many sentences at a time (more as the reviewer scrolls
# or moves on), so a page costs the same for any article length; the API detail's window too.
REVIEW_WINDOW = env_int("REVIEW_WINDOW", 100)
# Agreement snapshots are refreshed at most once per this many seconds after label changes.
AGREEMENT_DEBOUNCE_SECONDS = env_int("AGREEMENT_DEBOUNCE_SECONDS", 30)
# Dataset export: sentences read per batch; finished export files are deleted after
# EXPORT_RETENTION_DAYS; an export job with no batch written for EXPORT_TIMEOUT s (its worker
# stopped) is restarted by the beat sweep, and marked failed after 3 restarts.
EXPORT_BATCH_SIZE = env_int("EXPORT_BATCH_SIZE", 2000)
# On PostgreSQL the database writes JSONL and CSV exports itself, in this many parts at once (one
# connection and one CPU core of the database server each; 1: one part).
EXPORT_COPY_PARTS = env_int("EXPORT_COPY_PARTS", 2)
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7)
EXPORT_TIMEOUT = env_int("EXPORT_TIMEOUT", 3600)
# Published claim reviews (schema.org ClaimReview): who publishes them, and the public address of
# this server, which their permalinks start with.
CLAIMREVIEW_ORGANISATION = os.environ.get("CLAIMREVIEW_ORGANISATION") or "Fact-check annotations"
CLAIMREVIEW_ORGANISATION_URL = os.environ.get("CLAIMREVIEW_ORGANISATION_URL") or ""
SITE_URL = (os.environ.get("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
# A training run with no result after this many seconds is marked failed (its worker stopped).
TRAINING_TIMEOUT = env_int("TRAINING_TIMEOUT", 3600)
# "" for the light TF-IDF scorer; "minilm" adds sentence embeddings (requirements-embeddings.txt).
CANDIDATE_ENCODER = os.environ.get("CANDIDATE_ENCODER", "")
if CANDIDATE_ENCODER not in ("", "minilm"):
    raise ImproperlyConfigured(f"CANDIDATE_ENCODER={CANDIDATE_ENCODER!r}: use '' or 'minilm'")
# Sentence ids per part of the search index (corpus.services.split_search_index): a search
# reads the matches of about this many sentences before it has its first 500, at any corpus size.
SEARCH_PART_SIZE = env_int("SEARCH_PART_SIZE", 500_000)

CELERY_BEAT_SCHEDULE = {
    "sweep-stale-precompute": {
        "task": "annotations.detection.tasks.sweep_stale_precompute_task",
        "schedule": env_int("PRECOMPUTE_SWEEP_EVERY", 300),
    },
    "sweep-training-runs": {
        "task": "annotations.training.tasks.sweep_training_runs_task",
        "schedule": env_int("PRECOMPUTE_SWEEP_EVERY", 300),
    },
    # Catches up agreement refreshes whose queued task was lost (broker down at commit).
    "refresh-agreement": {
        "task": "annotations.agreement.tasks.refresh_agreement_task",
        "schedule": env_int("AGREEMENT_SWEEP_EVERY", 300),
    },
    "sweep-expired-claims": {
        "task": "annotations.assignment.tasks.sweep_expired_claims_task",
        "schedule": env_int("ASSIGNMENT_SWEEP_EVERY", 300),
    },
    "sweep-exports": {
        "task": "annotations.export.tasks.sweep_exports_task",
        "schedule": env_int("PRECOMPUTE_SWEEP_EVERY", 300),
    },
    # Cuts the sentence search index into parts as the corpus grows (a load of many articles
    # also queues it): a search reads the newest part's matches first.
    "split-search-index": {
        "task": "annotations.corpus.tasks.split_search_index_task",
        "schedule": env_int("SEARCH_SPLIT_EVERY", 3600),
    },
    "sweep-webhook-deliveries": {
        "task": "annotations.webhooks.tasks.sweep_webhook_deliveries_task",
        "schedule": env_int("WEBHOOK_SWEEP_EVERY", 300),
    },
}

# Webhooks: attempts per delivery (exponential backoff between them); private/loopback receivers
# are refused unless allowed (tests and closed networks).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE")
# A delivery's first attempt is due within this many seconds (it may wait in the broker's queue
# that long); a pending delivery whose next attempt is as much overdue is queued again.
WEBHOOK_SWEEP_GRACE = env_int("WEBHOOK_SWEEP_GRACE", 600)


# ---------------------------------------------------------------------------------------------
# REST API (annotations/api/): Django REST framework, token auth, throttling, OpenAPI schema.
# ---------------------------------------------------------------------------------------------
INSTALLED_APPS += ["django_filters", "drf_spectacular", "drf_spectacular_sidecar"]


def env_rate(name: str, default: str) -> str:
    """A throttle rate such as 10/minute, checked at startup rather than on the first request."""
    value = os.environ.get(name) or default
    count, _, period = value.partition("/")
    if not count.isdigit() or period[:1] not in ("s", "m", "h", "d"):
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate (e.g. 10/minute, 600/hour)")
    return value


REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes DRF answer 401 (not 403) to anonymous calls.
    # Session auth serves the UI's own calls and enforces CSRF.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["annotations.api.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["annotations.api.throttling.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Per username and client address: obtaining a token with a password; per user: token
        # rotation. Per client address, whatever the username: obtaining a token.
        "auth": env_rate("API_THROTTLE_AUTH", "10/minute"),
        "auth_address": env_rate("API_THROTTLE_AUTH_ADDRESS", "120/minute"),
        # Per user: every POST, PUT, PATCH and DELETE.
        "write": env_rate("API_THROTTLE_WRITE", "600/minute"),
    },
    # Proxies in front of the web processes whose X-Forwarded-For entry is trusted; 0 trusts
    # none, so a client cannot pick its own address to dodge the throttle.
    "NUM_PROXIES": env_int("API_TRUSTED_PROXIES", 0),
    "EXCEPTION_HANDLER": "annotations.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "annotations.api.schema.ApiAutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Throttle counters must be shared by every web process, so they live in Redis when there is one.
# A Redis that does not answer (within CACHE_TIMEOUT_SECONDS) fails open: no throttling, nothing
# cached, one warning in the log per outage; requests go on (factcheck/cache.py), and each web
# process asks it again only every CACHE_RETRY_SECONDS.
CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 5)
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "factcheck.cache.FailOpenRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "factcheck",
            "OPTIONS": {
                "socket_connect_timeout": env_int("CACHE_TIMEOUT_SECONDS", 1),
                "socket_timeout": env_int("CACHE_TIMEOUT_SECONDS", 1),
            },
        }
    }

SPECTACULAR_SETTINGS = {
    "TITLE": "Fact-check annotation API",
    "DESCRIPTION": (
        "Articles split into sentences, candidate claims, reviewers' annotations and the label "
        "vocabulary. Authenticate with `Authorization: Token <key>` (get a key at /api/token/ or "
        "from POST /api/auth/token/) or with the web UI's session cookie plus CSRF token. Lists "
        "use cursor pagination: follow `next`. Annotation writes are conflict-safe: send the "
        "`version` you read (or `If-Match` with its ETag)."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc come from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: they put a link inside each operation's button, which screen readers and
    # keyboards cannot tell apart (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "LabelEnum": "annotations.labels.Label",
        "SuggestedLabelEnum": ["sourced", "disputed", "false_flag"],
    },
}
