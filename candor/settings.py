"""Candor's one settings file: everything an operator sets comes from the environment.

Every setting Candor reads is declared and checked here (fail loud at start, not on first use);
other modules read `django.conf.settings`, never the environment. Importing this file only
reads: the data directory and the generated secret key are created by `candor.datadir.prepare()`,
which the `candor` command, the WSGI entry point and the test suite call first.
"""

import ipaddress
import os
import re
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {raw!r}")


def envfloat(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} must not be negative, not {raw!r}")
    return value


def envint(name: str, default: int, *, minimum: int = 0) -> int:
    """A count: a whole number, at least `minimum`."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {raw!r}")
    return value


DATA_DIR = Path(env("CANDOR_DATA_DIR") or Path.cwd() / "data").resolve()
# Generated once (candor.datadir.prepare) and kept beside the data, so that sessions and signed
# links survive restarts; SECRET_KEY, when set, is used instead.
SECRET_KEY_FILE = DATA_DIR / "secret_key"


def _secret_key() -> str:
    if key := env("SECRET_KEY"):
        return key
    try:
        return SECRET_KEY_FILE.read_text().strip()
    except FileNotFoundError:
        return ""  # Django refuses an empty key on first use; prepare() writes one first


SECRET_KEY = _secret_key()
DEBUG = envbool("CANDOR_DEBUG", False)

BASE_URL = env("CANDOR_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(BASE_URL)
if _base.scheme not in ("http", "https") or not _base.hostname:
    raise ImproperlyConfigured(f"CANDOR_BASE_URL must be an http(s) URL, not {BASE_URL!r}")
BASE_HOST = _base.hostname
USE_HTTPS = _base.scheme == "https"

ALLOWED_HOSTS = sorted({BASE_HOST, "127.0.0.1", "localhost", "[::1]"})
ALLOWED_HOSTS += [h.strip() for h in env("CANDOR_ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "candor.core",
    "candor.public",
    "candor.manage",
    "candor.api",
]

MIDDLEWARE = [
    # Outermost, so that every HTML answer gets the policy, error pages included.
    "candor.middleware.content_security_policy",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # The managed page's time zone for every management page (candor/manage/zone.py).
    "candor.manage.zone.page_time_zone",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "candor.urls"
WSGI_APPLICATION = "candor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Each chat channel's package keeps its own templates (candor/core/channels/<mode>/).
        "DIRS": [BASE_DIR / "templates", *sorted((BASE_DIR / "core/channels").glob("*/templates"))],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def _database() -> dict[str, Any]:
    url = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'candor.sqlite3'}"
    try:
        parsed = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    db: dict[str, Any] = dict(parsed)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0
        # A file, not memory, so that worker subprocesses started by tests see the test database.
        db["TEST"] = {"NAME": str(DATA_DIR / "test-candor.sqlite3")}
        db["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN: concurrent writers queue instead of failing.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite")
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


class Mail(NamedTuple):
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False


def _email(url: str) -> Mail:
    if not url:
        return Mail("django.core.mail.backends.console.EmailBackend")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ImproperlyConfigured(f"EMAIL_URL must start with smtp:// or smtps://, not {url!r}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return Mail(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host=parts.hostname or "localhost",
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=query.get("tls") in ("1", "true"),
        use_ssl=parts.scheme == "smtps" or query.get("ssl") in ("1", "true"),
    )


EMAIL_URL = env("EMAIL_URL")
_mail = _email(EMAIL_URL)
EMAIL_BACKEND = _mail.backend
EMAIL_HOST = _mail.host
EMAIL_PORT = _mail.port
EMAIL_HOST_USER = _mail.user
EMAIL_HOST_PASSWORD = _mail.password
EMAIL_USE_TLS = _mail.use_tls
EMAIL_USE_SSL = _mail.use_ssl
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("CANDOR_FROM_EMAIL", f"Candor <noreply@{BASE_HOST}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTH_USER_MODEL = "auth.User"
LOGIN_URL = "/manage/login/"
LOGIN_REDIRECT_URL = "/manage/"

# Login throttling per (username, IP) pair, so nobody can lock an administrator out from elsewhere.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The same client address as every other throttle (X-Forwarded-For only from trusted proxies).
AXES_CLIENT_IP_CALLABLE = "candor.clientip.client_ip"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# The Host header decides which host a request is for (public/fastpath.py follows Django here).
USE_X_FORWARDED_HOST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# With an https base URL: secure cookies, the HTTPS redirect and HSTS (read by public/fastpath.py
# too, which answers public GETs before Django's middleware).
SESSION_COOKIE_SECURE = USE_HTTPS
CSRF_COOKIE_SECURE = USE_HTTPS
SECURE_SSL_REDIRECT = USE_HTTPS and envbool("CANDOR_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz(\.json)?$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER: tuple[str, str] | None = (
    ("HTTP_X_FORWARDED_PROTO", "https") if USE_HTTPS else None
)
SECURE_HSTS_SECONDS = envint("CANDOR_HSTS_SECONDS", 31536000) if USE_HTTPS else 0
# includeSubDomains and preload reach beyond this host; they are the operator's call, not ours.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

# Candor's own settings.
CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = envbool("CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS", False)
CANDOR_API_RATE_LIMIT = envfloat("CANDOR_API_RATE_LIMIT", 10.0)
CANDOR_API_RATE_BURST = 60


def _networks(name: str, raw: str) -> list[str]:
    """Comma-separated CIDRs (a bare address is a /32 or /128), checked now: fail loud."""
    nets = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            nets.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or CIDR network (e.g. 10.0.0.0/8)"
            ) from None
    return nets


# Reverse proxies whose X-Forwarded-For is believed for the client address (docs/security.md).
CANDOR_TRUSTED_PROXIES = _networks("CANDOR_TRUSTED_PROXIES", env("CANDOR_TRUSTED_PROXIES"))


def _uptime_weights(raw: str) -> dict[str, float]:
    """`major_outage=1,partial_outage=0.3,degraded_performance=0`: any of them, each 0 to 1."""
    weights = {"major_outage": 1.0, "partial_outage": 0.3, "degraded_performance": 0.0}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, value = item.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if name.strip() not in weights or not 0 <= weight <= 1:
            raise ImproperlyConfigured(
                f"CANDOR_UPTIME_WEIGHTS: {item!r} is not status=weight with a weight from 0 to 1 "
                f"(statuses: {', '.join(weights)})"
            )
        weights[name.strip()] = weight
    return weights


# Downtime weight of each status in the public uptime bars; maintenance counts neither way.
CANDOR_UPTIME_WEIGHTS = _uptime_weights(env("CANDOR_UPTIME_WEIGHTS"))
# The public read path (docs/public.md). On PostgreSQL each web process is told of new documents
# (LISTEN/NOTIFY); it polls every POLL_SECONDS only while that channel is down, and on SQLite.
CANDOR_PUBLIC_POLL_SECONDS = envfloat("CANDOR_PUBLIC_POLL_SECONDS", 0.5)
# A writer renders right after its commit; if that has not landed after GRACE seconds (the
# writer died), another process renders instead.
CANDOR_PUBLIC_RENDER_GRACE_SECONDS = envfloat("CANDOR_PUBLIC_RENDER_GRACE_SECONDS", 2.0)
# Time alone moves the uptime bars: the documents are rendered again at least this often, and
# at midnight in the page's time zone.
CANDOR_PUBLIC_RERENDER_SECONDS = envfloat("CANDOR_PUBLIC_RERENDER_SECONDS", 300.0)
# Incident and history pages are rendered when first asked for; each web process keeps at most
# this many of them in memory.
CANDOR_PUBLIC_CACHED_PAGES = envint("CANDOR_PUBLIC_CACHED_PAGES", 500)


def envseconds(name: str, default: list[float]) -> list[float]:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be comma-separated seconds, not {raw!r}") from None
    if any(v < 0 for v in values):
        raise ImproperlyConfigured(f"{name} must not hold negative delays, not {raw!r}")
    return values


# Notifications (docs/notifications.md): when each attempt of a delivery is made, in seconds
# after the previous failure; the first entry is the delay of the first attempt.
CANDOR_RETRY_SCHEDULE = envseconds(
    "CANDOR_RETRY_SCHEDULE", [0, 5, 300, 1800, 7200, 18000, 36000, 50400]
)
CANDOR_RETRY_JITTER = envfloat("CANDOR_RETRY_JITTER", 0.2)
CANDOR_WEBHOOK_TIMEOUT = envfloat("CANDOR_WEBHOOK_TIMEOUT", 30.0)
# A claimed delivery not finished within the lease is claimable again (a worker died).
CANDOR_DELIVERY_LEASE = envfloat("CANDOR_DELIVERY_LEASE", 120.0)
CANDOR_WORKER_THREADS = envint("CANDOR_WORKER_THREADS", 4)
# Webhooks wait on other people's servers (often 100 ms or more each): many go out at once.
CANDOR_WEBHOOK_THREADS = envint("CANDOR_WEBHOOK_THREADS", 16)
CANDOR_EMAIL_BATCH = envint("CANDOR_EMAIL_BATCH", 100, minimum=1)

# Health and metrics (README, "Monitoring"). /healthz fails when no worker has
# beaten for this long, or when a due delivery has waited this long; 0 turns that check off.
CANDOR_HEALTH_WORKER_SECONDS = envfloat("CANDOR_HEALTH_WORKER_SECONDS", 60.0)
CANDOR_HEALTH_DELIVERY_LAG_SECONDS = envfloat("CANDOR_HEALTH_DELIVERY_LAG_SECONDS", 300.0)
# ... and when a publish target has been failing (no success since its first failure) this long.
CANDOR_HEALTH_PUBLISH_SECONDS = envfloat("CANDOR_HEALTH_PUBLISH_SECONDS", 600.0)
# /metrics answers only a request bearing this token; unset, /metrics is off (docs/decisions.md).
CANDOR_METRICS_TOKEN = env("CANDOR_METRICS_TOKEN")
# `candor serve` restarts a delivery worker that exited after this delay, doubled on each quick
# failure up to the maximum, and reset once a worker has run for a minute.
CANDOR_WORKER_RESTART_DELAY = envfloat("CANDOR_WORKER_RESTART_DELAY", 1.0)
CANDOR_WORKER_RESTART_MAX_DELAY = envfloat("CANDOR_WORKER_RESTART_MAX_DELAY", 60.0)
# `candor serve`: web server processes (0: one per CPU) and Python threads in each.
CANDOR_WEB_WORKERS = envint("CANDOR_WEB_WORKERS", 0)
CANDOR_WEB_THREADS = envint("CANDOR_WEB_THREADS", 4, minimum=1)


# Publishing the public site (docs/publishing.md): comma-separated s3://BUCKET/PREFIX and
# file:///path targets, kept in sync by the worker. S3 credentials come from the standard AWS
# chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role).
def _publish_targets(raw: str) -> list[str]:
    from candor.public.publish.targets import parse_targets

    try:
        return [target.url for target in parse_targets(raw)]
    except ValueError as exc:
        raise ImproperlyConfigured(f"CANDOR_PUBLISH_TARGETS: {exc}") from None


def _endpoint(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if raw and (parts.scheme not in ("http", "https") or not parts.hostname or parts.query):
        raise ImproperlyConfigured(f"{name} must be an http(s) URL, not {raw!r}")
    return raw.rstrip("/")


CANDOR_PUBLISH_TARGETS = _publish_targets(env("CANDOR_PUBLISH_TARGETS"))
# For S3-compatible stores (MinIO, R2, B2, Ceph): their endpoint, e.g.
# https://ACCOUNT.r2.cloudflarestorage.com; empty for AWS S3 itself.
CANDOR_PUBLISH_S3_ENDPOINT = _endpoint(
    "CANDOR_PUBLISH_S3_ENDPOINT", env("CANDOR_PUBLISH_S3_ENDPOINT").strip()
)
CANDOR_PUBLISH_S3_REGION = env("CANDOR_PUBLISH_S3_REGION").strip()
if CANDOR_PUBLISH_S3_REGION and not re.fullmatch(r"[a-z0-9-]{2,32}", CANDOR_PUBLISH_S3_REGION):
    raise ImproperlyConfigured(
        f"CANDOR_PUBLISH_S3_REGION must be a region name like eu-west-1 or auto, "
        f"not {CANDOR_PUBLISH_S3_REGION!r}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}
