from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "candor.core"
    label = "core"
    verbose_name = "Candor"

    def ready(self) -> None:
        from candor.core import lookups

        lookups.register()
