from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("import/", views.import_page, name="import"),
]
