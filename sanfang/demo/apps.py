from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sanfang.demo"
    label = "demo"
