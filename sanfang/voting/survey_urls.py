"""Survey pages, mounted at /surveys/ (app_name "surveys"). ``r/…`` is the respondents' side:
no login, the slip's token in the address."""

from django.urls import path

from . import survey_views as v

app_name = "surveys"

urlpatterns = [
    path("", v.survey_list, name="list"),
    path("new/", v.survey_new, name="new"),
    path("<int:pk>/", v.survey_detail, name="detail"),
    path("<int:pk>/open/", v.survey_open, name="open"),
    path("<int:pk>/close/", v.survey_close, name="close"),
    path("<int:pk>/slips/", v.survey_reissue, name="reissue"),
    path("<int:pk>/results/", v.survey_results, name="results"),
    path("<int:pk>/results.xlsx", v.survey_export, name="export"),
    path("r/", v.respond_enter, name="enter"),
    path("r/thanks/", v.respond_thanks, name="thanks"),
    path("r/<str:token>/", v.respond, name="respond"),
]
