from django.contrib import admin
from django.urls import include, path

from sanfang.accounts.views import home
from sanfang.api.urls import api

urlpatterns = [
    # The API first: its hottest paths (ballots, the inbox) are then resolved without trying
    # every page's prefix before it (bench ballots: URL resolution was a tenth of a ballot).
    path("api/v1/", api.urls),
    path("", home, name="home"),
    path("accounts/", include("sanfang.accounts.urls")),
    path("places/", include("sanfang.places.urls")),
    path("registry/", include("sanfang.orgs.urls")),
    path("workbook/", include("sanfang.registry.urls")),
    path("tickets/", include("sanfang.tickets.urls")),
    path("meetings/", include("sanfang.meetings.urls")),
    path("polls/", include("sanfang.voting.urls")),
    path("surveys/", include("sanfang.voting.survey_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("sanfang.tickets.open311.urls")),
]
