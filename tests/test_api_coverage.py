"""Every API view must have a generated contract test class (style.md, convention 8)."""

import importlib
import pkgutil
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.api_cases import APIResourceCases

ROOT = Path(__file__).resolve().parent.parent
TEST_PACKAGES = [
    "tests",
    "accounts.tests",
    "activity.tests",
    "social.tests",
    "teams.tests",
    "auditing.tests",
    "config.tests",
]


def _api_views(resolver: URLResolver, prefix: str = "") -> dict[str, type]:
    views = {}
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            views |= _api_views(entry, route)
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "cls"):
            views[route] = entry.callback.cls
    return views


def _case_classes() -> list[type[APIResourceCases]]:
    for package_name in TEST_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__):
            if module.name.startswith("test_"):
                importlib.import_module(f"{package_name}.{module.name}")
    found, pending = [], list(APIResourceCases.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_api_view_has_a_generated_test_class():
    api = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and str(entry.pattern) == "api/v1/"
    )
    registered = _api_views(api, "/api/v1/")
    covered = {resolve(case.base_path).func.cls for case in _case_classes()}
    missing = sorted(route for route, view in registered.items() if view not in covered)
    assert registered, "no API views found: is the router wired?"
    assert not missing, f"API views without an APIResourceCases test class: {missing}"
