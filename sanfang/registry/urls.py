from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("template/", views.template, name="template"),
    path("export/", views.export, name="export"),
    path("errors/<str:sha256>/", views.errors, name="errors"),
]
