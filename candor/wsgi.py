import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
django_application = get_wsgi_application()

from candor.public.fastpath import wrap  # noqa: E402 - needs Django set up first

# Public GETs are answered from the stored documents before Django's stack (docs/public.md).
application = wrap(django_application)
