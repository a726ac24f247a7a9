"""Background and periodic jobs on Celery + Redis.

Apps keep their jobs as plain functions in `<app>/tasks.py` (also reachable as management
commands) and know nothing of Celery; `run_job` runs any of them by dotted path inside an
audit context, and the beat schedule in settings (CELERY_BEAT_SCHEDULE) names them. Without
REDIS_URL jobs run inline (CELERY_TASK_ALWAYS_EAGER), so one machine needs no broker.

    celery -A config worker -l info
    celery -A config beat -l info
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("cadence")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="cadence.run_job", ignore_result=True)
def run_job(path: str, **kwargs):
    """Run the job function at `path` (e.g. "social.tasks.cleanup_expired_invites")."""
    from django.utils.module_loading import import_string

    from auditing.context import Source, audit_context

    job = import_string(path)
    with audit_context(source=Source.TASK):
        return job(**kwargs)
