"""Demo data: a week of tracked work for alice and bob, a goal and a rule each."""

import random
from datetime import timedelta

from django.utils import timezone

from activity import services
from activity.models import Activity, ClassificationRule, Goal

# (app, window title, url) — classified by the global rules loaded by migration.
_DAY = [
    ("Code", "services.py — cadence", ""),
    ("Google Chrome", "Pull requests · GitHub", "https://github.com/cadence/cadence/pulls"),
    ("Slack", "#team — Slack", ""),
    ("Terminal", "pytest", ""),
    ("Google Chrome", "YouTube", "https://www.youtube.com/watch?v=demo"),
    ("Figma", "Dashboard redesign", ""),
    ("Zoom", "Daily stand-up", ""),
    ("Notion", "Sprint notes", ""),
    ("Spotify", "Focus playlist", ""),
]


def _week(now, seed: int) -> list[dict]:
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    rows = []
    for days_ago in range(7, 0, -1):
        cursor = (now - timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
        end_of_day = cursor.replace(hour=17)
        while cursor < end_of_day:
            app, title, url = rng.choice(_DAY)
            minutes = rng.randint(3, 40)
            end = cursor + timedelta(minutes=minutes)
            rows.append(
                {
                    "app_name": app,
                    "window_title": title,
                    "url": url,
                    "is_afk": rng.random() < 0.05,
                    "start_time": cursor,
                    "end_time": end,
                }
            )
            cursor = end + timedelta(minutes=rng.randint(0, 5))
    return rows


def seed(users: dict) -> list[str]:
    lines = []
    now = timezone.now()
    for number, name in enumerate(("alice", "bob")):
        user = users.get(name)
        if user is None:
            continue
        if not Activity.objects.filter(user=user).exists():
            services.activities_ingest(user=user, rows=_week(now, seed=number))
        if not Goal.objects.filter(user=user).exists():
            services.goal_create(
                user=user,
                data={"name": "Six focused hours", "type": "daily_productive", "target_hours": 6},
            )
        if not ClassificationRule.objects.filter(user=user).exists():
            services.classification_rule_create(
                user=user,
                data={
                    "app_name": "Spotify",
                    "category": "focus music",
                    "is_productive": True,
                    "priority": 50,
                },
            )
        lines.append(
            f"Activity: {name} has {Activity.objects.filter(user=user).count()} tracked "
            "activities, a goal and a rule (see /api/v1/activities/summary/?group_by=day)"
        )
    return lines
