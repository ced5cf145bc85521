from django.apps import AppConfig


class StagingConfig(AppConfig):
    name = "portal.staging"
    label = "staging"
    verbose_name = "Staging"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from .pipeline.wakeup import start_watch

        # Every django-q2 worker process looks for stalled submissions at its start and every few
        # seconds after (pipeline/wakeup.py).
        post_spawn.connect(start_watch, dispatch_uid="staging-submission-wakeup")

        # Columns other parts of staging add to the batch grid.
        from .contents.grid_columns import ContentsColumns
        from .grid import register_column_source

        register_column_source(ContentsColumns())
