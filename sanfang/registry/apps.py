from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sanfang.registry"
    label = "registry"
