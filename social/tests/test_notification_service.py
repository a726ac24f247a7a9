import pytest
from django.core.exceptions import ValidationError

from social.models import Notification
from social.services import notification_create

pytestmark = pytest.mark.django_db


def test_notification_create_stores_an_unread_notification(user):
    notification = notification_create(
        user=user, type="team_invite", title="Join Core", data={"team": "core"}, priority="high"
    )
    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.user, stored.is_read, stored.priority) == (user, False, "high")
    assert stored.pk.version == 7


def test_notification_create_refuses_an_unknown_priority(user):
    with pytest.raises(ValidationError):
        notification_create(user=user, type="x", title="t", priority="urgent")
    assert not Notification.objects.exists()
