from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "sanfang.meetings"
    verbose_name = _("Meetings and deliberation")
    default_auto_field = "django.db.models.BigAutoField"
