from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_queue_row(sender, using: str = "default", **kwargs) -> None:
    """The ProcessingQueue row the receiver flips; recreated after every migrate or flush (tests)."""
    from .models import ProcessingQueue
    from .processing import QUEUE

    ProcessingQueue.objects.using(using).get_or_create(name=QUEUE)


class WebhooksConfig(AppConfig):
    name = "portal.webhooks"
    label = "webhooks"
    verbose_name = "Procore webhooks"

    def ready(self) -> None:
        post_migrate.connect(ensure_queue_row, sender=self)
