from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "sanfang.tickets"
    verbose_name = _("Residents' cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sanfang.core import ticks

        from .services.tick import tick_due

        ticks.register("tickets", tick_due)
