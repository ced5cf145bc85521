from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Portal people and Procore sign-ins"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the sign-in receiver)
