import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
django_application = get_wsgi_application()

from candor.public.fastpath import wrap  # noqa: E402 - needs Django set up first
from candor.public.store import store  # noqa: E402

# Public GETs are answered from the stored documents before Django's stack (docs/public.md).
application = wrap(django_application)
# Each web process of `candor serve` loads this module itself: listen for changes from its
# start, not from its first request. (Elsewhere the fast path starts it on the first request.)
if os.environ.get("CANDOR_WEB_PROCESS") == "1":
    store.start_background()
