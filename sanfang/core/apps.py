from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sanfang.core"
    label = "core"
