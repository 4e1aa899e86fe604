from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sanfang.api"
    label = "api"
