"""Generated API contract tests (style.md, convention 8).

A resource's test class inherits `APIResourceCases`, names the resource and how to build it,
and receives the contract tests that apply to the actions it declares:

    class TestTeamAPI(APIResourceCases):
        base_path = "/api/v1/teams/"
        actions = {"list", "retrieve", "create", "update", "delete"}
        create_data = staticmethod(lambda user: {"name": "Core"})
        invalid_create_data = {"name": ""}
        update_data = {"name": "Renamed"}

        def make_object(self, user):
            return TeamFactory(owner=user)

Create, update and delete also check the audit trail (`audit`): by default exactly one
AuditLog row for the object with that action (a soft delete is an update) and the
requesting user as actor.

`tests/test_api_coverage.py` fails when an API view has no such class.
"""

import os
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient


def view_queries(captured: list[dict]) -> list[str]:
    """The SQL a view ran, without savepoints and the per-request SessionActivity INSERT.

    That INSERT is a fixed cost of every authenticated request, bounded by auditing's own
    tests; it says nothing about the view.
    """
    return [
        query["sql"]
        for query in captured
        if "SAVEPOINT" not in query["sql"]
        and not query["sql"].startswith('INSERT INTO "session_activities"')
    ]


ALL_ACTIONS = frozenset({"list", "retrieve", "create", "update", "delete"})

# Which declared actions each generated test needs; a test whose needs are not met is removed.
_REQUIREMENTS: dict[str, set[str]] = {
    "test_anonymous_gets_401": {"private"},
    "test_anonymous_can_read": {"public"},
    "test_list_shows_only_own_objects": {"list", "owned"},
    "test_list_query_count_is_bounded": {"list"},
    "test_retrieve": {"retrieve"},
    "test_retrieve_query_count_is_bounded": {"retrieve"},
    "test_other_users_object_is_404": {"retrieve", "owned", "collection"},
    "test_create": {"create"},
    "test_create_rejects_bad_input": {"create"},
    "test_update": {"update"},
    "test_update_rejects_bad_input": {"update", "invalid_update"},
    "test_delete": {"delete", "collection"},
}


@pytest.mark.django_db
class APIResourceCases:
    #: The collection path (or, for a singleton such as /me/, the resource path).
    base_path: ClassVar[str]
    #: The model behind the resource; created objects are looked up through its default manager.
    model: ClassVar[type[Model]]
    #: The actions the resource offers, a subset of ALL_ACTIONS.
    actions: ClassVar[set[str]] = set(ALL_ACTIONS)
    #: A singleton resource (like /me/) has no ids in its path and no collection.
    singleton: ClassVar[bool] = False
    #: Whether objects belong to one user, so that another user's object must be a 404.
    owned: ClassVar[bool] = True
    #: Field on the model naming the owner, checked after create.
    owner_field: ClassVar[str | None] = "user"
    #: PATCH body, and a PATCH body that must be refused with 400.
    update_data: ClassVar[dict[str, Any]] = {}
    invalid_update_data: ClassVar[dict[str, Any] | None] = None
    #: A POST body that must be refused with 400 and write nothing.
    invalid_create_data: ClassVar[dict[str, Any]] = {}
    #: Upper bound on queries for one list page or one retrieve, whatever the page holds.
    max_queries: ClassVar[int] = 8
    #: Upper bound on queries for one create or one update (audit rows included).
    max_write_queries: ClassVar[int] = 12
    #: A staff-only resource: the generated tests act as a staff user.
    staff: ClassVar[bool] = False
    #: Reads open to anonymous clients (writes still need authentication).
    anonymous_can_read: ClassVar[bool] = False
    #: What create/update/delete must leave in the audit trail: "row" = exactly one AuditLog
    #: row for the object with that action and the requesting user as actor; "batch" = a
    #: bulk_* summary row for the model (telemetry recorded per batch); None = no check.
    audit: ClassVar[str | None] = "row"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        have = set(cls.actions)
        have.add("public" if cls.anonymous_can_read else "private")
        if cls.owned:
            have.add("owned")
        if not cls.singleton:
            have.add("collection")
        if cls.invalid_update_data is not None:
            have.add("invalid_update")
        for name, needs in _REQUIREMENTS.items():
            if not needs <= have:
                setattr(cls, name, None)

    # -- hooks a resource overrides ------------------------------------------------------

    def make_object(self, user):
        """Build one object owned by `user` (for a singleton, the object `user` sees)."""
        raise NotImplementedError

    def create_data(self, user) -> dict[str, Any]:
        """A valid POST body for `user`."""
        raise NotImplementedError

    def detail_path(self, obj) -> str:
        return self.base_path if self.singleton else f"{self.base_path}{obj.pk}/"

    def queryset(self):
        return self.model._default_manager.all()

    def assert_deleted(self, obj) -> None:
        assert not type(obj)._default_manager.filter(pk=obj.pk).exists()

    # -- helpers -----------------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _staff_when_required(self, request):
        if self.staff:
            user = request.getfixturevalue("user")
            # update(), not save(): promoting the test user is not part of what is audited.
            type(user)._default_manager.filter(pk=user.pk).update(is_staff=True)
            user.is_staff = True

    @staticmethod
    def client_for(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def list_path(self) -> str:
        return self.base_path

    @staticmethod
    def result_ids(response) -> set[str]:
        return {str(item["id"]) for item in response.json()["results"]}

    def write(self, client, method: str, path: str, data) -> tuple[Any, int]:
        """Send a create or update; the response and the number of queries it ran, which
        must stay within `max_write_queries`."""
        with CaptureQueriesContext(connection) as ctx:
            response = getattr(client, method)(path, data)
        queries = len(view_queries(ctx.captured_queries))
        report = os.environ.get("CADENCE_WRITE_QUERY_REPORT")
        if report:
            with open(report, "a") as out:
                out.write(f"{type(self).__name__} {method} {queries}\n")
        if response.status_code < 300:
            assert queries <= self.max_write_queries, (
                f"{method} ran {queries} queries, more than {self.max_write_queries}"
            )
        return response, queries

    def count_queries(self, client, path) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, response.content
        return len(view_queries(ctx.captured_queries))

    @staticmethod
    def audit_mark() -> set:
        """The audit rows that exist now; `assert_audited` looks only at rows written since."""
        from auditing.models import AuditLog

        return set(AuditLog.objects.values_list("id", flat=True))

    def assert_audited(self, pk, action: str, user, before: set) -> None:
        if self.audit is None:
            return
        from auditing.models import AuditLog

        entity_type = self.model._meta.concrete_model._meta.label_lower
        if self.audit == "batch":
            rows = [
                row
                for row in AuditLog.objects.filter(
                    entity_type=entity_type, action=f"bulk_{action}"
                ).exclude(id__in=before)
                if str(pk) in row.metadata.get("ids", [])
            ]
            assert len(rows) == 1, f"expected one bulk_{action} audit row naming {pk}"
            assert rows[0].user_id == user.pk, "the audit row's actor is not the requesting user"
            return
        rows = list(
            AuditLog.objects.filter(
                entity_type=entity_type, entity_id=str(pk), action=action
            ).exclude(id__in=before)
        )
        assert len(rows) == 1, f"expected one {action!r} audit row for {entity_type}:{pk}"
        assert rows[0].user_id == user.pk, "the audit row's actor is not the requesting user"

    # -- generated tests ---------------------------------------------------------------

    def test_anonymous_can_read(self, user):
        obj = self.make_object(user)
        client = APIClient()
        if "list" in self.actions:
            assert client.get(self.list_path()).status_code == 200
        if "retrieve" in self.actions:
            assert client.get(self.detail_path(obj)).status_code == 200
        if "create" in self.actions:
            assert client.post(self.list_path(), self.create_data(user)).status_code == 401

    def test_anonymous_gets_401(self, user):
        path = (
            self.list_path() if "list" in self.actions else self.detail_path(self.make_object(user))
        )
        response = APIClient().get(path)
        assert response.status_code == 401
        assert response.headers.get("WWW-Authenticate")

    def test_list_shows_only_own_objects(self, user, other_user):
        own = {str(self.make_object(user).pk) for _ in range(2)}
        foreign = str(self.make_object(other_user).pk)
        response = self.client_for(user).get(self.list_path())
        assert response.status_code == 200, response.content
        ids = self.result_ids(response)
        assert own <= ids
        assert foreign not in ids

    def test_list_query_count_is_bounded(self, user):
        client = self.client_for(user)
        self.make_object(user)
        one = self.count_queries(client, self.list_path())
        for _ in range(4):
            self.make_object(user)
        five = self.count_queries(client, self.list_path())
        assert five == one, f"list queries grew with the page: {one} for 1 row, {five} for 5"
        assert five <= self.max_queries

    def test_retrieve(self, user):
        obj = self.make_object(user)
        response = self.client_for(user).get(self.detail_path(obj))
        assert response.status_code == 200, response.content
        assert str(response.json()["id"]) == str(obj.pk)

    def test_retrieve_query_count_is_bounded(self, user):
        obj = self.make_object(user)
        assert self.count_queries(self.client_for(user), self.detail_path(obj)) <= self.max_queries

    def test_other_users_object_is_404(self, user, other_user):
        obj = self.make_object(other_user)
        client = self.client_for(user)
        path = self.detail_path(obj)
        assert client.get(path).status_code == 404
        if "update" in self.actions:
            assert client.patch(path, self.update_data).status_code == 404
        if "delete" in self.actions:
            assert client.delete(path).status_code == 404
            assert type(obj)._default_manager.filter(pk=obj.pk).exists()

    def test_create(self, user):
        path, data = self.list_path(), self.create_data(user)
        before = self.audit_mark()
        response, _ = self.write(self.client_for(user), "post", path, data)
        assert response.status_code == 201, response.content
        created = self.queryset().get(pk=response.json()["id"])
        if self.owner_field:
            assert getattr(created, f"{self.owner_field}_id") == user.pk
        self.assert_audited(created.pk, "create", user, before)

    def test_create_rejects_bad_input(self, user):
        path = self.list_path()
        before = self.queryset().count()
        audited = self.audit_mark()
        response = self.client_for(user).post(path, self.invalid_create_data)
        assert response.status_code == 400, response.content
        assert response.json()
        assert self.queryset().count() == before
        assert self.audit_mark() == audited, "a refused request wrote audit rows"

    def test_update(self, user):
        obj = self.make_object(user)
        path = self.detail_path(obj)
        before = self.audit_mark()
        response, _ = self.write(self.client_for(user), "patch", path, self.update_data)
        assert response.status_code == 200, response.content
        body = response.json()
        obj.refresh_from_db()
        for field, value in self.update_data.items():
            assert body[field] == value
            assert getattr(obj, field) == value
        self.assert_audited(obj.pk, "update", user, before)

    def test_update_rejects_bad_input(self, user):
        obj = self.make_object(user)
        before = {field: getattr(obj, field) for field in self.invalid_update_data}
        response = self.client_for(user).patch(self.detail_path(obj), self.invalid_update_data)
        assert response.status_code == 400, response.content
        obj.refresh_from_db()
        assert {field: getattr(obj, field) for field in self.invalid_update_data} == before

    def test_delete(self, user):
        obj = self.make_object(user)
        path = self.detail_path(obj)
        before = self.audit_mark()
        response = self.client_for(user).delete(path)
        assert response.status_code == 204, response.content
        self.assert_deleted(obj)
        # A soft delete (deactivate, revoke) keeps the row and is recorded as its update.
        kept = type(obj)._base_manager.filter(pk=obj.pk).exists()
        self.assert_audited(obj.pk, "update" if kept else "delete", user, before)
