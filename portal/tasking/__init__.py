"""Handing work to the task queue (django-q2) without ever failing for the broker: `handoff.enqueue`."""
