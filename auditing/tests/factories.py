import factory
from django.utils import timezone

from auditing.context import Source, audit_context
from auditing.models import AuditLog, SessionActivity, SessionAnalytics
from auditing.services import record_event


def audit_row_for(user, **fields) -> AuditLog:
    """An audit row with `user` as the actor, written the only way rows are written."""
    with audit_context(user=user, source=Source.CLI):
        return record_event(action=fields.pop("action", "test_event"), **fields)


class SessionActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionActivity

    session_id = factory.Sequence(lambda n: f"{n:064x}")
    activity_type = SessionActivity.Type.API_CALL
    endpoint = "/api/v1/me/"
    method = "GET"
    client_ip = "10.0.0.1"
    response_status = 200


class SessionAnalyticsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionAnalytics

    session_id = factory.Sequence(lambda n: f"{n:064x}")
    login_time = factory.LazyFunction(timezone.now)
    last_activity = factory.LazyFunction(timezone.now)
    ip_address = "10.0.0.1"
    user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
