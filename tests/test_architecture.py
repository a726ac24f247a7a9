"""The layout's rules (design.md, "Dependency direction"), read from the code itself.

Every module of the project's packages is parsed and its imports collected, those inside
functions too (a deferred import is still a dependency). Test modules are left out: a test
may reach anywhere to set up what it checks.
"""

from collections import defaultdict

import pytest
from django.contrib import admin

from core.admin import ServiceAdmin
from tests.layout import PACKAGES, edges

DOMAIN_APPS = ("accounts", "activity", "social", "teams")
# What a domain app may use of auditing: its package-level recording functions and the
# context manager that says who acts in commands and tasks.
AUDITING_PUBLIC = {"record_bulk", "record_event", "audit_context"}
# What activity and teams may use of social: creating a notification.
SOCIAL_PUBLIC = {("social.services", "notification_create")}

EDGES = edges()


def _uses(source: str, target: str):
    return EDGES.get((source, target), [])


@pytest.mark.parametrize("app", [*DOMAIN_APPS, "auditing", "core"])
def test_no_app_imports_config(app):
    assert [where for *_, where in _uses(app, "config")] == []


@pytest.mark.parametrize("app", [p for p in PACKAGES if p != "core"])
def test_core_imports_no_app(app):
    assert [where for *_, where in _uses("core", app)] == []


def test_accounts_depends_on_core_only():
    found = [
        where
        for target in ("activity", "social", "teams")
        for *_, where in _uses("accounts", target)
    ]
    assert found == []


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_domain_apps_use_only_the_public_functions_of_auditing(app):
    wrong = [
        where
        for module, name, where in _uses(app, "auditing")
        if not (module == "auditing" and (name is None or name in AUDITING_PUBLIC))
    ]
    assert wrong == [], "import auditing's public functions from the package itself"


@pytest.mark.parametrize("app", ["activity", "teams"])
def test_activity_and_teams_use_only_the_notification_service_of_social(app):
    wrong = [
        where for module, name, where in _uses(app, "social") if (module, name) not in SOCIAL_PUBLIC
    ]
    assert wrong == []


@pytest.mark.parametrize("app", ["social", "teams", "activity"])
def test_no_domain_app_imports_its_peers_otherwise(app):
    peers = {"social": ("activity", "teams"), "activity": ("teams",), "teams": ("activity",)}
    assert [where for peer in peers[app] for *_, where in _uses(app, peer)] == []


def test_no_cycle_between_packages():
    graph = defaultdict(set)
    for source, target in EDGES:
        graph[source].add(target)

    def cycle_from(start):
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*trail, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
        return None

    cycles = [cycle for package in PACKAGES if (cycle := cycle_from(package))]
    assert cycles == [], " ; ".join(" -> ".join(cycle) for cycle in cycles)


def test_the_checks_see_real_imports():
    """The parser finds the dependencies the design expects, so an empty result above means
    "none", not "nothing was read"."""
    assert _uses("activity", "accounts")
    assert ("social.services", "notification_create") in {
        (module, name) for module, name, _ in _uses("teams", "social")
    }
    assert _uses("config", "accounts")


# -- the staff console ----------------------------------------------------------------------

OWN_APPS = {"accounts", "activity", "social", "teams", "auditing", "config"}
WRITE_METHODS = ("save_model", "delete_model", "delete_queryset")


def _superuser_request(rf):
    from accounts.models import User

    request = rf.get("/admin/")
    request.user = User(username="root", is_staff=True, is_superuser=True, is_active=True)
    return request


def _own_admins():
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in OWN_APPS
        ),
        key=lambda pair: pair[0]._meta.label,
    )


@pytest.mark.parametrize(
    "model, model_admin", _own_admins(), ids=[model._meta.label for model, _ in _own_admins()]
)
def test_an_editable_admin_writes_through_services(model, model_admin, rf):
    request = _superuser_request(rf)
    can = {
        "service_create": model_admin.has_add_permission(request),
        "service_update": model_admin.has_change_permission(request),
        "service_delete": model_admin.has_delete_permission(request),
    }
    if not any(can.values()):
        return  # read-only
    assert isinstance(model_admin, ServiceAdmin), (
        f"{type(model_admin).__name__} can write {model._meta.label} but is not a ServiceAdmin"
    )
    for hook, allowed in can.items():
        if allowed:
            assert getattr(type(model_admin), hook, None) is not None, f"no {hook}"
    for method in WRITE_METHODS:
        assert getattr(type(model_admin), method) is getattr(ServiceAdmin, method), (
            f"{type(model_admin).__name__}.{method} bypasses the service hooks"
        )
    for inline_class in model_admin.inlines:
        inline = inline_class(model, admin.site)
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request)
        assert not inline.has_delete_permission(request)


def test_every_model_of_ours_is_in_the_staff_console():
    """Registered, or shown inline on its owner's page (a user's settings)."""
    from django.apps import apps

    registered = {model for model, _ in _own_admins()}
    registered |= {inline.model for _, admin_ in _own_admins() for inline in admin_.inlines}
    missing = [
        model._meta.label
        for label in OWN_APPS
        for model in apps.get_app_config(label).get_models()
        if model not in registered
    ]
    assert missing == []
