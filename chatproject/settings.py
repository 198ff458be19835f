"""Settings for every environment, read from the environment.

With nothing set the app runs on 127.0.0.1/localhost with SQLite and the in-memory
channel layer. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to channels-redis.
"""

import os
from pathlib import Path

from csp.constants import NONE, SELF

from chatproject import dburl

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Without SECRET_KEY a development key is used; with DEBUG off the served app refuses to
# start on it (chatproject/production.py) and `check --deploy` reports it as an error.
DEVELOPMENT_SECRET_KEY = "dev-insecure-key-change-me-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# HTTPS in production (README "Security"), under Django's own names. Off by default so the
# development server works over plain HTTP.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
# "HTTP_X_FORWARDED_PROTO,https": trust the proxy's header to say the request was HTTPS.
SECURE_PROXY_SSL_HEADER = tuple(env_list("SECURE_PROXY_SSL_HEADER", [])[:2]) or None

INSTALLED_APPS = [
    "daphne",
    "chatproject.apps.ChatAdminConfig",  # django.contrib.admin, sign-in throttled
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "csp",
    "chatproject.accounts",
    "chatproject.api",
    "threads",
    "chats",
    "reactions",
    "pins",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's, with the storage made on first use (chatproject/lazy_messages.py).
    "chatproject.lazy_messages.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the site's policy built once (chatproject/csp_header.py).
    "chatproject.csp_header.CSPMiddleware",
    # Innermost: a view's database or Redis outage becomes a 503 (chatproject/outage.py).
    "chatproject.outage.OutageMiddleware",
]

ROOT_URLCONF = "chatproject.urls"
ASGI_APPLICATION = "chatproject.asgi.application"
WSGI_APPLICATION = "chatproject.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chatproject.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dburl.parse(
        os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3",
        base_dir=BASE_DIR,
        # PostgreSQL only: see dburl.parse and the README's configuration table.
        pool_max_size=int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        health_checks=os.environ.get("DATABASE_HEALTH_CHECKS", "1").lower() in {"1", "true"},
        pool_timeout=float(os.environ.get("DATABASE_POOL_TIMEOUT_S", dburl.POOL_TIMEOUT_S)),
        prepared_statements=os.environ.get("DATABASE_PREPARED_STATEMENTS", "1").lower()
        in {"1", "true"},
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_CONNECT_TIMEOUT_S = float(os.environ.get("REDIS_CONNECT_TIMEOUT_S", 2))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 changed two defaults channels-redis relies on. Reads time out
            # after 5 s, the same 5 s channels-redis blocks in BZPOPMIN, so idle sockets
            # would die every 5 s (django/channels_redis#422): give blocking reads room,
            # but keep a bound. And a pool holds 100 connections and fails (not waits)
            # past that, which a burst of sockets joining their groups exceeds.
            # A Redis that is down is noticed within REDIS_CONNECT_TIMEOUT_S, not a TCP timeout.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
                        "max_connections": 2000,
                    }
                ]
            },
        }
    }
else:
    # One process only: events published here reach subscribers of this process.
    # Channels' in-memory layer, with its expiry sweep throttled so fan-out stays O(N).
    CHANNEL_LAYERS = {"default": {"BACKEND": "chatproject.realtime.layers.InMemoryChannelLayer"}}

# The cache holds the sign-in throttle's counters (chatproject/accounts/throttle.py): in
# Redis when REDIS_URL is set, so every worker counts together; in process memory otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "chat",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
                "socket_timeout": REDIS_CONNECT_TIMEOUT_S,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Failed sign-ins (POST /token, the sign-in form, Support API keys) allowed per window,
# per client address and per username; past either, 429 with Retry-After.
CHAT_AUTH_THROTTLE_CACHE = "default"
CHAT_AUTH_THROTTLE_WINDOW_S = int(os.environ.get("CHAT_AUTH_THROTTLE_WINDOW_S", 300))
CHAT_AUTH_FAILURES_PER_CLIENT = int(os.environ.get("CHAT_AUTH_FAILURES_PER_CLIENT", 30))
CHAT_AUTH_FAILURES_PER_USERNAME = int(os.environ.get("CHAT_AUTH_FAILURES_PER_USERNAME", 10))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Every response carries a Content-Security-Policy: scripts, styles, images and sockets
# from this origin only, and no inline script or style anywhere (the browser pages are
# plain templates plus ES modules from static/, so nothing needs an exception). A page
# that data-binds JSON uses json_script, which the browser never executes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Each surface names its own authentication; nothing is open by default.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": (
        "chatproject.api.common.negotiation.RememberingContentNegotiation"
    ),
    "DEFAULT_PARSER_CLASSES": [
        "chatproject.api.common.bodies.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chat backend",
    "DESCRIPTION": (
        "Four documented chat APIs over one domain model: Session (/v1), Team "
        "(/api/v1/chat), Support (/api/v1/chats) and Messenger (/chats, /token)."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # OpenAPI links between operations (create a thread, post to it, react, pin, remove).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "chatproject.api.links.add_links",
    ],
    # One name per choice set that several fields share (Support API, seed 003; the
    # Messenger API's chat and message types, seed 004).
    "ENUM_NAME_OVERRIDES": {
        "SupportChannelTypeEnum": "threads.models.Channel.Type",
        "SupportMessageRoleEnum": "chats.models.Message.Role",
        "SupportResponderEntityEnum": "threads.models.Responder.Entity",
        "SupportTicketStatusEnum": "threads.models.Ticket.Status",
        "SupportMemberRoleEnum": "threads.models.WorkspaceMember.Role",
        "ChatType": ["direct", "group"],
        "MessageType": ["text", "image"],
    },
}

# New users join this workspace (a slug) however they are created; empty: none (SPEC §7).
CHAT_DEFAULT_WORKSPACE = os.environ.get("CHAT_DEFAULT_WORKSPACE", "default")

# Product limits (SPEC §3). Session chats follow seed 000's beta limit.
CHAT_SESSION_MESSAGE_MAX_LENGTH = int(os.environ.get("CHAT_SESSION_MESSAGE_MAX_LENGTH", 280))
CHAT_MESSAGE_MAX_LENGTH = int(os.environ.get("CHAT_MESSAGE_MAX_LENGTH", 10_000))
CHAT_MESSAGE_MAX_FILES = int(os.environ.get("CHAT_MESSAGE_MAX_FILES", 10))
# Threads each served process runs requests in (chatproject/handlers.py): enough to keep
# the interpreter busy while some requests wait on the database, few enough that they do
# not spend it handing the interpreter lock around.
CHAT_REQUEST_THREADS = int(os.environ.get("CHAT_REQUEST_THREADS", 4))
# Requests answered before the middleware chain, exactly as it would answer them: the
# re-read of a thread's latest page (chatproject/api/team/shortcut.py). "none": none.
CHAT_REQUEST_SHORTCUTS = [
    path
    for path in env_list(
        "CHAT_REQUEST_SHORTCUTS", ["chatproject.api.team.shortcut.LatestPageShortcut"]
    )
    if path.lower() != "none"
]
# Memory each process may spend on the latest history pages of threads (0: no cache).
CHAT_PAGE_CACHE_BYTES = int(os.environ.get("CHAT_PAGE_CACHE_BYTES", 16 * 1024 * 1024))
# How long a REST send's Idempotency-Key answers retries with the first answer (24 h).
CHAT_IDEMPOTENCY_TTL_S = float(os.environ.get("CHAT_IDEMPOTENCY_TTL_S", 86_400))
CHAT_UPLOAD_MAX_BYTES = int(os.environ.get("CHAT_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
CHAT_UPLOAD_ALLOWED_TYPES = env_list(
    "CHAT_UPLOAD_ALLOWED_TYPES",
    [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
    ],
)
# Images: at most this many pixels (a small file can decode to a huge bitmap), and
# thumbnails at most this many pixels on their longer side.
CHAT_IMAGE_MAX_PIXELS = int(os.environ.get("CHAT_IMAGE_MAX_PIXELS", 40_000_000))
CHAT_THUMBNAIL_MAX_PX = int(os.environ.get("CHAT_THUMBNAIL_MAX_PX", 320))
# Request bodies (README "Security"): anything larger is refused with 413 before it is
# read (chatproject/bodylimit.py). Uploads past FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to
# disk (FILE_UPLOAD_TEMP_DIR, default the system's), never held in memory.
CHAT_MAX_REQUEST_BYTES = int(
    os.environ.get("CHAT_MAX_REQUEST_BYTES", CHAT_UPLOAD_MAX_BYTES + 1024 * 1024)
)
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None
# Live events (SPEC §5): a reconnect replays at most this many events, none older than
# this; past either the socket sends {"type": "resync"} and the client refetches.
CHAT_EVENTS_REPLAY_MAX_EVENTS = int(os.environ.get("CHAT_EVENTS_REPLAY_MAX_EVENTS", 10_000))
CHAT_EVENTS_REPLAY_MAX_AGE_S = float(os.environ.get("CHAT_EVENTS_REPLAY_MAX_AGE_S", 86_400))
# The server pings every socket this often (keeps idle connections alive through proxies).
CHAT_EVENTS_PING_INTERVAL_S = float(os.environ.get("CHAT_EVENTS_PING_INTERVAL_S", 25))
# What threads.events calls with each committed event; it decides who hears it.
CHAT_EVENTS_PUBLISHER = "chatproject.realtime.audience.publish"
# Outages (database or Redis away, README "Reliability") answer 503 with this Retry-After.
CHAT_RETRY_AFTER_S = int(os.environ.get("CHAT_RETRY_AFTER_S", 2))
# /healthz gives each dependency this long to answer.
CHAT_HEALTH_TIMEOUT_S = float(os.environ.get("CHAT_HEALTH_TIMEOUT_S", 2))
# Tokens are touched at most this often, so authentication does not write on every request.
TOKEN_LAST_USED_RESOLUTION_S = 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
