from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sanfang.core"
    label = "core"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import workdays
        from .models import WorkdayOverride

        # An administrator's edit of the holiday schedule counts at once (RULES T1).
        for signal, uid in ((post_save, "core.workdays.saved"), (post_delete, "core.workdays.deleted")):
            signal.connect(workdays.clear_cache_now_and_on_commit, sender=WorkdayOverride, dispatch_uid=uid)
