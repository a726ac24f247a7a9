import pytest

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

    @pytest.mark.parametrize("taken", ["Taken@Example.com", "taken@example.com"])
    def test_email_taken_by_another_user_in_any_case_is_400(self, user, taken):
        UserFactory(email="taken@example.com")
        response = APIResourceCases.client_for(user).patch("/api/v1/me/", {"email": taken})
        assert response.status_code == 400
        assert "email" in response.json()
        user.refresh_from_db()
        assert user.email != "taken@example.com"

    def test_email_of_a_soft_deleted_user_is_still_taken(self, user):
        UserFactory(email="gone@example.com", is_deleted=True, deleted_at="2026-01-01T00:00:00Z")
        response = APIResourceCases.client_for(user).patch(
            "/api/v1/me/", {"email": "gone@example.com"}
        )
        assert response.status_code == 400

    def test_username_taken_in_any_case_is_400(self, user):
        UserFactory(username="grace")
        response = APIResourceCases.client_for(user).patch("/api/v1/me/", {"username": "GRACE"})
        assert response.status_code == 400
        assert "username" in response.json()

    def test_changing_email_unverifies_it(self, user):
        User.all_objects.filter(pk=user.pk).update(email_verified=True)
        response = APIResourceCases.client_for(user).patch(
            "/api/v1/me/", {"email": "new.address@example.com"}
        )
        assert response.status_code == 200
        assert response.json()["email_verified"] is False

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
