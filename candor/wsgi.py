import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
django_application = get_wsgi_application()

from candor.public.fastpath import wrap  # noqa: E402 - needs Django set up first
from candor.public.store import store  # noqa: E402

# Public GETs are answered from the stored documents before Django's stack (docs/public.md).
application = wrap(django_application)
# Each web process loads this module itself: listen for changes from the start, not from the
# first request (the fast path starts it too, should the module have been loaded before a fork).
store.start_background()
