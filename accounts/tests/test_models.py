import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import User, UserSettings
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_ignoring_case_in_the_database(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.all_objects.create(username="other", email=user.email.upper())


def test_username_is_unique_ignoring_case_in_the_database(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.all_objects.create(username=user.username.upper(), email="x@example.com")


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "two@@example.com", "a@example.c"])
def test_database_refuses_malformed_email(email):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.all_objects.create(username="malformed", email=email)


def test_service_validates_before_saving():
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(username="bad", email="nope", password="whatever-long-1")
    assert "email" in excinfo.value.message_dict
    assert not User.all_objects.filter(username="bad").exists()


def test_service_creates_user_with_argon2_capable_hash_and_uuid():
    user = services.user_create(
        username="ada", email="Ada@Example.COM", password="analytical-engine-1843"
    )
    assert user.pk.version == 4
    assert user.email == "Ada@example.com"
    assert user.check_password("analytical-engine-1843")
    assert "analytical" not in user.password


def test_user_without_password_cannot_log_in_with_one():
    user = services.user_create(username="oauth-only", email="oauth@example.com")
    assert not user.has_usable_password()


def test_default_manager_hides_soft_deleted_users(user):
    services.user_soft_delete(user=user)
    assert not User.objects.filter(pk=user.pk).exists()
    assert User.all_objects.filter(pk=user.pk).exists()


def test_update_that_changes_nothing_does_not_save(user):
    with CaptureQueriesContext(connection) as ctx:
        services.user_update(user=user, data={"bio": user.bio})
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]


def test_soft_delete_is_idempotent():
    user = UserFactory()
    first = services.user_soft_delete(user=user).deleted_at
    assert services.user_soft_delete(user=user).deleted_at == first


def test_every_new_user_gets_settings_with_seed_defaults():
    user = services.user_create(username="fresh", email="fresh@example.com", password="p-4567-xyz")
    settings = UserSettings.objects.get(user=user)
    assert (settings.theme, settings.language, settings.tracking_enabled) == ("system", "en", True)
    assert settings.accepts_tracking


def test_incognito_stops_tracking(user):
    user.settings.incognito_mode = True
    assert not user.settings.accepts_tracking


@pytest.mark.parametrize(
    ("field", "value"),
    [("theme", "neon"), ("language", "xx"), ("time_zone", "Mars/Olympus"), ("idle_timeout", 0)],
)
def test_settings_refuse_invalid_choices(user, field, value):
    setattr(user.settings, field, value)
    with pytest.raises(ValidationError) as excinfo:
        user.settings.full_clean()
    assert field in excinfo.value.message_dict
