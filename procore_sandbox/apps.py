from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "procore_sandbox"
    label = "sandbox"
    verbose_name = "Procore sandbox"
