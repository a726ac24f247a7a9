import pytest
from allauth.account.models import EmailAddress

from accounts import services
from accounts.models import User
from accounts.tests.factories import UserFactory
from tests.api_cases import APIResourceCases


class TestMeAPI(APIResourceCases):
    base_path = "/api/v1/me/"
    model = User
    singleton = True
    actions = {"retrieve", "update"}
    update_data = {"display_name": "Ada L.", "bio": "Counts things.", "metadata": {"tz": "UTC"}}
    invalid_update_data = {"email": "not-an-email", "display_name": "x" * 101}
    max_queries = 2

    def make_object(self, user):
        return user


@pytest.mark.django_db
class TestMeRules:
    def test_me_is_always_the_requesting_user(self, user, other_user):
        response = APIResourceCases.client_for(user).get("/api/v1/me/")
        assert response.json()["id"] == str(user.pk)
        assert response.json()["email"] == user.email

    def test_read_only_fields_cannot_be_changed(self, user):
        client = APIResourceCases.client_for(user)
        response = client.patch(
            "/api/v1/me/", {"plan": "pro", "is_staff": True, "email_verified": True}
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.plan, user.is_staff, user.email_verified) == ("free", False, False)

    def test_an_email_change_needs_a_session_that_reauthenticated(self, user):
        # Forced authentication stands for a session without re-authentication: refused,
        # and nothing of the request is written (test_credentials covers the whole flow).
        response = APIResourceCases.client_for(user).patch(
            "/api/v1/me/", {"email": "new.address@example.com", "bio": "x"}
        )
        assert response.status_code == 403
        user.refresh_from_db()
        assert user.email != "new.address@example.com" and user.bio != "x"

    def test_username_taken_in_any_case_is_400(self, user):
        UserFactory(username="grace")
        response = APIResourceCases.client_for(user).patch("/api/v1/me/", {"username": "GRACE"})
        assert response.status_code == 400
        assert "username" in response.json()

    def test_a_new_email_set_by_staff_is_unverified_and_the_one_allauth_address(self, user):
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        User.all_objects.filter(pk=user.pk).update(email_verified=True)
        user.refresh_from_db()
        services.user_update(user=user, data={"email": "new.address@example.com"})
        user.refresh_from_db()
        assert user.email == "new.address@example.com" and user.email_verified is False
        assert list(
            EmailAddress.objects.filter(user=user).values_list("email", "primary", "verified")
        ) == [("new.address@example.com", True, False)]

    def test_metadata_must_be_an_object(self, user):
        response = APIResourceCases.client_for(user).patch(
            "/api/v1/me/", {"metadata": [1, 2]}, format="json"
        )
        assert response.status_code == 400

    def test_put_is_not_allowed(self, user):
        response = APIResourceCases.client_for(user).put("/api/v1/me/", {})
        assert response.status_code == 405

    def test_session_login_then_me(self, user, client):
        assert client.get("/api/v1/me/").status_code == 401
        client.force_login(user)
        assert client.get("/api/v1/me/").json()["username"] == user.username
