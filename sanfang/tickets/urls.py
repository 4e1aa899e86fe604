from django.urls import path

from .views import cases, figures, intake, notice

app_name = "tickets"

urlpatterns = [
    path("", cases.my_cases, name="mine"),
    path("new/", intake.resident_new, name="new"),
    path("enter/", intake.staff_enter, name="enter"),
    path("verify/", intake.verify_phone, name="verify"),
    path("duplicates/", intake.duplicates, name="duplicates"),
    path("inbox/", cases.inbox, name="inbox"),
    path("figures/", figures.figures_page, name="figures"),
    path("figures/export.xlsx", figures.figures_export, name="figures_export"),
    path("compound/<str:code>/", notice.who_handles, name="who_handles"),
    path("compound/<str:code>/qr.svg", notice.who_handles_qr, name="who_handles_qr"),
    path("files/<int:pk>/", cases.attachment, name="attachment"),
    path("summons/<int:pk>/<str:action>/", cases.summons_action, name="summons_action"),
    path("mediation/<int:pk>/<str:action>/", cases.mediation_action, name="mediation_action"),
    path("<str:reference>/", cases.detail, name="detail"),
    path("<str:reference>/<str:action>/", cases.action, name="action"),
]
