from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "candor.api"
