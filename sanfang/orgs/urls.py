from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("compounds/<str:code>/", views.compound_detail, name="compound"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("party-building/", views.party_building, name="party_building"),
]
