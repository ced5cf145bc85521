from django.apps import AppConfig


class StagingConfig(AppConfig):
    name = "portal.staging"
    label = "staging"
    verbose_name = "Staging"
