import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
application = get_wsgi_application()

from chatproject.production import refuse_insecure_start  # noqa: E402

refuse_insecure_start()
