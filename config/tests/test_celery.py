import pytest

from auditing.context import get_context
from config.celery import app, run_job


def _record_context(**kwargs):
    context = get_context()
    return {"source": context.source, "kwargs": kwargs}


def test_jobs_run_inline_without_a_broker():
    assert app.conf.task_always_eager


def test_run_job_calls_the_function_by_path_inside_a_task_audit_context():
    result = run_job.delay("config.tests.test_celery._record_context", days=3).get()
    assert result == {"source": "task", "kwargs": {"days": 3}}
    assert get_context().source == "system"


def test_run_job_refuses_an_unknown_path():
    with pytest.raises(ImportError):
        run_job.delay("config.tests.test_celery.nope").get()


def test_every_scheduled_job_names_an_importable_function():
    from django.utils.module_loading import import_string

    for entry in app.conf.beat_schedule.values():
        assert entry["task"] == "cadence.run_job"
        assert callable(import_string(entry["args"][0]))


def test_a_worker_knows_the_mail_task():
    # Registered when the core app is loaded, so a worker started with `-A config` has it.
    assert "cadence.send_mail" in app.tasks
