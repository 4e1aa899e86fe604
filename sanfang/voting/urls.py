"""Owners' decisions (mounted at /polls/). The names are fixed: other apps and the navigation
link to them."""

from django.urls import path

from .views import ballots, paper, polls, proxies, results

app_name = "voting"

urlpatterns = [
    path("", polls.poll_list, name="list"),
    path("new/", polls.poll_new, name="new"),
    path("proxies/", proxies.proxies, name="proxies"),
    path("proxies/<int:pk>/revoke/", proxies.proxy_revoke, name="proxy_revoke"),
    path("proxies/<int:pk>/document/", proxies.proxy_document, name="proxy_document"),
    path("<int:pk>/", polls.poll_detail, name="detail"),
    path("<int:pk>/vote/", ballots.vote, name="vote"),
    path("<int:pk>/paper/", paper.paper, name="paper"),
    path("<int:pk>/paper/<int:ballot>/scan/", paper.scan, name="scan"),
    path("<int:pk>/progress/", results.progress, name="progress"),
    path("<int:pk>/progress/partial/", results.progress, {"partial": True}, name="progress_partial"),
    path("<int:pk>/result/", results.result, name="result"),
    path("<int:pk>/log.json", results.log, name="log"),
    path("<int:pk>/result.xlsx", results.export, name="export"),
    path("<int:pk>/<str:action>/", polls.poll_action, name="action"),
]
