from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "candor.public"

    def ready(self) -> None:
        from candor.core import events
        from candor.public.render import on_page_changed

        events.page_changed.connect(on_page_changed, dispatch_uid="candor.public.render")
