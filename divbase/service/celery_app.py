"""The module the `celery` command loads (`celery -A divbase.service.celery_app ...`): builds the app."""

from divbase.service.worker import create_celery

app = create_celery()
