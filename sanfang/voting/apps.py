from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "sanfang.voting"
    verbose_name = _("Owners' decisions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sanfang.core import ticks

        from .tick import tick_due

        ticks.register("voting", tick_due)
