"""Rule-based classification of activities.

User-supplied patterns run on RE2 (google-re2), whose matching time is linear in the input,
so no pattern can stall a worker the way a backtracking engine can. Compiled rule sets are
kept in process memory per user; a version token in the shared cache (one per user and one
for global rules) tells every worker when its copy is stale.
"""

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import re2
from django.core.cache import cache
from django.db.models import Q

PATTERN_MAX_LENGTH = 500
# RE2 refuses to compile a pattern whose program would need more memory than this.
_RE2_MAX_MEM = 1 << 20
_LOCAL_CACHE_SIZE = 2048
# With a per-process cache (no Redis) one worker cannot see another's version bump, so a
# compiled copy is also dropped after this many seconds.
_LOCAL_TTL = 60.0
GLOBAL_VERSION_KEY = "activity:rules:v:global"


def _options(*, case_sensitive: bool = False) -> "re2.Options":
    options = re2.Options()
    options.max_mem = _RE2_MAX_MEM
    options.case_sensitive = case_sensitive
    options.log_errors = False
    return options


def compile_pattern(pattern: str):
    """Compile a user pattern with RE2 (case-insensitive); raises ValueError when refused."""
    if len(pattern) > PATTERN_MAX_LENGTH:
        raise ValueError(f"Patterns are limited to {PATTERN_MAX_LENGTH} characters.")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        raise ValueError(f"Not a valid or safe regular expression: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Not a valid regular expression: {exc}") from exc


def validate_pattern(pattern: str) -> None:
    compile_pattern(pattern)


def glob_to_regex(glob: str) -> str:
    """`*` and `?` wildcards, everything else literal; RE2 syntax (fnmatch emits atomic groups)."""
    parts = []
    for ch in glob:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re2.escape(ch))
    return "^" + "".join(parts) + "$"


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule_id: str
    priority: int
    is_global: bool
    app_exact: str | None
    app_glob: Any
    title_regex: Any
    url_regex: Any
    category: str
    is_productive: bool

    def matches(self, app_lower: str, title: str, url: str) -> bool:
        if self.app_exact is not None and app_lower != self.app_exact:
            return False
        if self.app_glob is not None and not self.app_glob.match(app_lower):
            return False
        # A pattern rule is about a title or URL that exists: an empty value never matches it,
        # which also spares a regex call for every activity of a desktop app.
        if self.title_regex is not None and not (title and self.title_regex.search(title)):
            return False
        return self.url_regex is None or bool(url and self.url_regex.search(url))


def _compile_rule(row: dict) -> CompiledRule | None:
    app = (row["app_name"] or "").strip().lower()
    app_exact = app_glob = None
    if app:
        if "*" in app or "?" in app:
            try:
                app_glob = re2.compile(glob_to_regex(app), _options(case_sensitive=True))
            except re2.error:
                return None
        else:
            app_exact = app
    try:
        title_pattern, url_pattern = row["window_title_pattern"], row["url_pattern"]
        title = compile_pattern(title_pattern) if title_pattern else None
        url = compile_pattern(url_pattern) if url_pattern else None
    except ValueError:
        # Only reachable for rows written around validation (raw SQL); such a rule never matches.
        return None
    return CompiledRule(
        rule_id=str(row["id"]),
        priority=row["priority"],
        is_global=row["user_id"] is None,
        app_exact=app_exact,
        app_glob=app_glob,
        title_regex=title,
        url_regex=url,
        category=row["category"],
        is_productive=row["is_productive"],
    )


class RuleSet:
    """A user's active rules plus the global ones, in precedence order."""

    __slots__ = ("rules",)

    def __init__(self, rules: list[CompiledRule]):
        # Higher priority first; at equal priority the user's own rule beats a global one.
        self.rules = sorted(rules, key=lambda r: (-r.priority, r.is_global))

    def classify(self, app_name: str, window_title: str = "", url: str = "") -> CompiledRule | None:
        app_lower = app_name.lower()
        title = window_title or ""
        url = url or ""
        for rule in self.rules:
            if rule.matches(app_lower, title, url):
                return rule
        return None


_local: OrderedDict[str, tuple[tuple, float, RuleSet]] = OrderedDict()
_lock = threading.Lock()


def _user_version_key(user_id) -> str:
    return f"activity:rules:v:{user_id}"


def _versions(user_id) -> tuple:
    keys = [_user_version_key(user_id), GLOBAL_VERSION_KEY]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            # An unknown version (cold or flushed cache) must not match any copy made
            # before, so a fresh token is published rather than assuming "unchanged".
            cache.add(key, uuid.uuid4().hex, timeout=None)
            found[key] = cache.get(key)
    return tuple(found[key] for key in keys)


def rules_changed(*, user_id) -> None:
    """Invalidate compiled rules of one user, or of everyone when `user_id` is None."""
    key = GLOBAL_VERSION_KEY if user_id is None else _user_version_key(user_id)
    cache.set(key, uuid.uuid4().hex, timeout=None)


def ruleset_for(user_id) -> RuleSet:
    """The user's compiled rules: at most one query when they changed, none otherwise."""
    from activity.models import ClassificationRule

    versions = _versions(user_id)
    key = str(user_id)
    with _lock:
        hit = _local.get(key)
        if hit is not None and hit[0] == versions and hit[1] > time.monotonic():
            _local.move_to_end(key)
            return hit[2]
    rows = ClassificationRule.objects.filter(is_active=True).filter(
        Q(user_id=user_id) | Q(user__isnull=True)
    )
    compiled = [
        rule
        for rule in (
            _compile_rule(row)
            for row in rows.values(
                "id",
                "user_id",
                "app_name",
                "window_title_pattern",
                "url_pattern",
                "category",
                "is_productive",
                "priority",
            )
        )
        if rule is not None
    ]
    ruleset = RuleSet(compiled)
    with _lock:
        _local[key] = (versions, time.monotonic() + _LOCAL_TTL, ruleset)
        _local.move_to_end(key)
        while len(_local) > _LOCAL_CACHE_SIZE:
            _local.popitem(last=False)
    return ruleset
