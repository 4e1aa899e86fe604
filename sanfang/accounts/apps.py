from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sanfang.accounts"
    label = "accounts"

    def ready(self):
        from sanfang.core import scope as port

        from . import scope

        port.register(scope)
