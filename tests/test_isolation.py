"""Isolation matrix, generated from the OpenAPI schema.

For every user-owned resource (an `APIResourceCases` class with `owned = True`), another
user's object must be invisible: every operation in the schema addressed through its detail
path (read, update, delete and the detail actions, including nested collections such as
/teams/{id}/invites/) answers 404 and leaves the row as it was, and no list shows it, whatever
the filters, including those that take related ids.

The operations come from the schema, so a new endpoint joins the matrix without a new test;
`test_every_owned_detail_operation_is_in_the_matrix` fails when a detail operation in the
schema belongs to no owned resource and is not listed in NOT_OWNED.
"""

import json
import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

import pytest
from django.db import models
from drf_spectacular.generators import SchemaGenerator

from activity.tests.factories import IdleSessionFactory, IntegrationFactory
from tests.api_cases import APIResourceCases
from tests.test_api_coverage import _case_classes

# Query parameters that page or order rather than filter.
_PAGING = {"page", "page_size", "cursor", "ordering"}

# Detail operations outside the matrix, with the reason. They either act on objects that are
# not owned by one user (public catalogues, staff pages) or address the caller's own row by a
# key the caller chooses.
NOT_OWNED = {
    "/api/v1/app-settings/{id}/": "global settings, staff-written",
    "/api/v1/audit-logs/{id}/": "staff-only",
    "/api/v1/session-activities/{id}/": "staff-only",
    "/api/v1/session-analytics/{id}/": "staff-only",
    "/api/v1/emoji-categories/{id}/": "shared catalogue",
    "/api/v1/emojis/{id}/": "shared catalogue",
    "/api/v1/groups/{slug}/": "public or joinable groups, visibility tested in teams",
    "/api/v1/groups/{slug}/join/": "public or joinable groups, visibility tested in teams",
    "/api/v1/groups/{slug}/leave/": "public or joinable groups, visibility tested in teams",
    "/api/v1/groups/{slug}/members/": "public or joinable groups, visibility tested in teams",
    "/api/v1/roles/{id}/": "global roles",
    "/api/v1/users/{id}/": "the user directory",
    "/api/v1/users/{id}/roles/": "staff-only",
    "/api/v1/users/{user_id}/status/": "presence is visible to other users by design",
    "/api/v1/chat-invites/{token}/accept/": "addressed by a secret token, not an id",
}

# (method, schema path) pairs where a non-404 answer is not a leak: the path names the
# caller's own row by a key the caller picks, so PUT creates the caller's own preference.
OWN_KEY_UPSERT = {("put", "/api/v1/me/preferences/{preference_key}/")}


@cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _operations():
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _detail_operations(detail_path: str):
    """Schema operations reached through `detail_path`: the detail itself and what hangs off it."""
    concrete = _segments(detail_path)
    for path, method, _operation in _operations():
        template = _segments(path)
        if len(template) < len(concrete):
            continue
        head, tail = template[: len(concrete)], template[len(concrete) :]
        if not _is_param(head[-1]) or any(_is_param(part) for part in tail):
            continue
        if all(_is_param(t) or t == c for t, c in zip(head, concrete, strict=True)):
            yield path, method, "/" + "/".join(concrete + tail) + "/"


def _template_regex(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$")


def _list_operation(list_path: str) -> dict | None:
    for path, method, operation in _operations():
        last = _segments(path)[-1]
        if method == "get" and _template_regex(path).match(list_path) and not _is_param(last):
            return operation
    return None


def _jsonable(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, models.Model):
        value = value.pk
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal | int | float | str):
        return str(value)
    return None


def _filter_values(param: str, obj: models.Model, owner) -> list[str]:
    """Values for `param` that would select `obj` if scoping were missing."""
    fields = {field.name: field for field in obj._meta.concrete_fields}
    name = re.sub(r"_(after|before)$", "", param)
    values: list[str] = []
    if name in fields:
        values.append(_jsonable(getattr(obj, fields[name].attname)))
    if param == "search":
        values += [
            getattr(obj, field.attname)
            for field in fields.values()
            if isinstance(field, models.CharField | models.TextField)
            and isinstance(getattr(obj, field.attname), str)
        ][:3]
    if not values or name not in fields:
        # A filter named differently from the column (`with`, `session`, `group`): try every
        # related id the object carries, and its owner.
        values += [
            _jsonable(getattr(obj, field.attname))
            for field in fields.values()
            if isinstance(field, models.ForeignKey)
        ]
        values.append(str(owner.pk))
    return [value for value in dict.fromkeys(values) if value]


def _snapshot(obj: models.Model) -> dict:
    row = type(obj)._base_manager.filter(pk=obj.pk).values().first()
    assert row is not None, f"{type(obj).__name__} {obj.pk} was deleted by another user"
    return row


class IsolationCases:
    """Mixed into a copy of each owned resource's case class; only these tests run there."""

    def test_other_users_object_is_404_everywhere(self, user, other_user):
        foreign = self.make_object(other_user)
        before = _snapshot(foreign)
        client = self.client_for(user)
        operations = list(_detail_operations(self.detail_path(foreign)))
        assert operations, f"no schema operation matches {self.detail_path(foreign)}"
        failures = []
        for template, method, path in operations:
            if (method, template) in OWN_KEY_UPSERT:
                continue
            body = self.update_data if method in {"patch", "put"} else {}
            response = getattr(client, method)(path, body, format="json")
            if response.status_code != 404:
                failures.append(f"{method.upper()} {template}: {response.status_code}")
        assert not failures, f"another user's object answered: {failures}"
        assert _snapshot(foreign) == before, "another user changed the object"

    def test_other_users_object_is_in_no_list_or_filter(self, user, other_user):
        if "list" not in self.actions:
            pytest.skip("no list")
        self.make_object(user)
        foreign = self.make_object(other_user)
        marker = str(foreign.pk)
        client = self.client_for(user)
        path = self.list_path()
        operation = _list_operation(path)
        assert operation is not None, f"no list operation for {path} in the schema"
        params = [
            parameter["name"]
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query" and parameter["name"] not in _PAGING
        ]
        queries: list[dict[str, str]] = [{}]
        for param in params:
            queries += [{param: value} for value in _filter_values(param, foreign, other_user)]
        failures = []
        for query in queries:
            response = client.get(path, query)
            if response.status_code >= 500:
                failures.append(f"{query}: {response.status_code}")
            elif response.status_code == 200 and marker in json.dumps(
                response.json().get("results", response.json())
            ):
                failures.append(f"{query}: shows another user's object")
        assert not failures, f"GET {path} leaked: {failures}"


def _isolation_classes() -> dict[str, type]:
    generated = {}
    for case in _case_classes():
        if not case.owned or case.singleton or case.staff:
            continue
        name = f"TestIsolation_{case.__name__.removeprefix('Test')}"
        switched_off = {
            attr: None
            for attr in dir(case)
            if attr.startswith("test_") and attr not in vars(IsolationCases)
        }
        generated[name] = type(name, (IsolationCases, case), switched_off)
    return generated


_CLASSES = _isolation_classes()
globals().update(_CLASSES)


def test_the_matrix_covers_the_owned_resources():
    assert len(_CLASSES) >= 15, sorted(_CLASSES)


@pytest.mark.django_db
def test_every_owned_detail_operation_is_in_the_matrix(user):
    covered: set[str] = set()
    for cls in _CLASSES.values():
        instance = cls()
        if hasattr(instance, "_bind_user"):
            instance._user, instance._teams = user, {}
        obj = instance.make_object(user)
        covered |= {template for template, _, _ in _detail_operations(instance.detail_path(obj))}
    detail = {path for path, _, _ in _operations() if any(map(_is_param, _segments(path)))}
    missing = sorted(detail - covered - set(NOT_OWNED))
    assert not missing, f"detail operations outside the isolation matrix: {missing}"


def test_base_class_is_untouched():
    # The matrix only adds classes; the contract tests stay where they are.
    assert not hasattr(APIResourceCases, "test_other_users_object_is_404_everywhere")


@pytest.mark.django_db
def test_group_messages_stay_in_their_group(user, other_user):
    # The generic matrix builds direct messages; a group message filtered by its group id is
    # the related-id filter most likely to leak.
    from social.tests.factories import chat_group

    group = chat_group(other_user, name="Private")
    author = APIResourceCases.client_for(other_user)
    sent = author.post("/api/v1/messages/", {"group": str(group.pk), "content": "secret"})
    assert sent.status_code == 201, sent.content
    client = APIResourceCases.client_for(user)
    for query in ({}, {"group": str(group.pk)}, {"with": str(other_user.pk)}):
        response = client.get("/api/v1/messages/", query)
        assert response.status_code in {200, 400, 404}, response.content
        assert sent.json()["id"] not in response.content.decode()
    assert client.get(f"/api/v1/chat-groups/{group.pk}/members/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "param", "make"),
    [
        ("/api/v1/user-activities/", "session", "idle_session"),
        ("/api/v1/calendar-events/", "integration", "integration"),
        ("/api/v1/me/audit-logs/", "user", "user"),
    ],
)
def test_a_related_id_filter_answers_another_users_id_as_a_missing_one(
    user, other_user, path, param, make
):
    # Filtering by another user's row must not confirm that the row exists: the answer is
    # the one an id that exists nowhere gets.
    makers = {
        "idle_session": IdleSessionFactory,
        "integration": IntegrationFactory,
        "user": lambda user: user,
    }
    mine, theirs = makers[make](user=user), makers[make](user=other_user)
    client = APIResourceCases.client_for(user)
    foreign = client.get(path, {param: str(theirs.pk)})
    missing = client.get(path, {param: "00000000-0000-4000-8000-000000000000"})
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
    assert missing.status_code == 400
    assert client.get(path, {param: str(mine.pk)}).status_code == 200
