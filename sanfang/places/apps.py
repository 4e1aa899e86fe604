from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "sanfang.places"
    label = "places"
