from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "sanfang.meetings"
    verbose_name = _("Meetings and deliberation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sanfang.voting.signals import poll_published

        from .receivers import settle_motion

        poll_published.connect(settle_motion, dispatch_uid="meetings.settle_motion")
