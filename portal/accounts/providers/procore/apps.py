from django.apps import AppConfig


class ProcoreProviderConfig(AppConfig):
    name = "portal.accounts.providers.procore"
    label = "procore_provider"
    verbose_name = "Procore sign-in"
