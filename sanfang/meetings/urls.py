from django.urls import path

from .views import meetings, motions

app_name = "meetings"

urlpatterns = [
    path("", meetings.meeting_list, name="list"),
    path("new/", meetings.meeting_new, name="new"),
    path("files/<int:pk>/", meetings.attachment, name="attachment"),
    path("requests/new/", meetings.request_new, name="request_new"),
    path("requests/<int:pk>/sign/", meetings.request_sign, name="request_sign"),
    path("motions/", motions.motion_list, name="motions"),
    path("motions/new/", motions.motion_new, name="motion_new"),
    path("motions/<int:pk>/", motions.motion_detail, name="motion_detail"),
    path("motions/<int:pk>/<str:action>/", motions.motion_action, name="motion_action"),
    path("<int:pk>/", meetings.meeting_detail, name="detail"),
    path("<int:pk>/minutes/", meetings.minutes_page, name="minutes"),
    path("<int:pk>/sign-in-sheet/", meetings.sign_in_sheet, name="sign_in_sheet"),
    path("<int:pk>/<str:action>/", meetings.meeting_action, name="action"),
]
