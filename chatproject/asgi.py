"""ASGI entry point: HTTP through Django, websockets through Channels (served by daphne)."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

from chatproject.daphne_forms import skip_form_parsing
from chatproject.handlers import get_asgi_application

skip_form_parsing()

django_asgi_app = get_asgi_application()

from chatproject.production import refuse_insecure_start  # noqa: E402

refuse_insecure_start()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from chatproject.bodylimit import RequestBodyLimit  # noqa: E402
from chatproject.realtime.auth import session_auth_stack  # noqa: E402
from chatproject.routing import websocket_urlpatterns  # noqa: E402

http_app = django_asgi_app
if settings.DEBUG:
    # daphne serves no files itself; in development (scripts/serve) let Django serve the
    # static files from the finders, as runserver would. Production puts a web server or
    # CDN in front of STATIC_ROOT instead.
    http_app = ASGIStaticFilesHandler(django_asgi_app)

application = ProtocolTypeRouter(
    {
        # Oversized bodies are refused before Django (or authentication) reads them.
        "http": RequestBodyLimit(http_app),
        "websocket": AllowedHostsOriginValidator(
            session_auth_stack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Everything loaded so far (Django, the apps, the URL and middleware setup) lives as long as
# the process. Freezing it keeps the cyclic garbage collector from walking it on each full
# collection: under load those walks held the interpreter for 90-130 ms at a time, which
# was the tail of every request in flight. And collect less often: a server holds many
# long-lived objects (open sockets and their state), which the default thresholds
# (700, 10, 10) walked in a full collection of ~240 ms every few fan-outs to 1,000 sockets
# and in 10-30 ms partial ones many times a second, while collecting almost nothing:
# almost all of a request's garbage is freed by reference counting. Cycles still get
# collected, after 50,000 new container objects rather than 700 (``bench/RESULTS.md``,
# round 4).
gc.freeze()
gc.set_threshold(50_000, 20, 100)
