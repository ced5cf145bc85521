from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "procore_sandbox"
    label = "sandbox"
    verbose_name = "Procore sandbox"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import credentials

        # The portal's settings learn the seeded secrets from the database (procore_sandbox.credentials).
        credentials.remember_configured()
        connection_created.connect(credentials.adopt_on_first_connection, dispatch_uid="sandbox-credentials")
