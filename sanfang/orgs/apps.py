from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "sanfang.orgs"
    label = "orgs"
