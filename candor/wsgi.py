import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
from candor.datadir import prepare  # noqa: E402 - needs the settings module named first

prepare()
django_application = get_wsgi_application()

from candor.public.fastpath import WSGIApp, wrap  # noqa: E402 - needs Django set up first
from candor.public.store import store  # noqa: E402

# Public GETs are answered from the stored documents before Django's stack (docs/public.md).
application = wrap(django_application)


def web_process() -> WSGIApp:
    """The application of one web process of `candor serve`, listening for changes from its
    start rather than from its first request (elsewhere the fast path starts that itself)."""
    store.start_background()
    return application
