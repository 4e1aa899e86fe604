from django.urls import path

from . import views

app_name = "places"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("compounds/<str:code>/buildings/<str:number>/", views.building_detail, name="building"),
]
