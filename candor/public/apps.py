from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "candor.public"
