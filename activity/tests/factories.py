from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from activity.models import (
    Activity,
    CalendarEvent,
    ClassificationRule,
    FocusSession,
    Goal,
    IdleSession,
    Integration,
    UserActivity,
    WorkSession,
)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    user = factory.SubFactory(UserFactory)
    app_name = "Code"
    window_title = "editor"
    start_time = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=10))
    end_time = factory.LazyAttribute(lambda a: a.start_time + timedelta(minutes=5))
    duration = 300


class ClassificationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassificationRule

    user = factory.SubFactory(UserFactory)
    app_name = factory.Sequence(lambda n: f"app{n}")
    category = "work"
    is_productive = True
    priority = 0


class IdleSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdleSession

    user = factory.SubFactory(UserFactory)
    session_name = "Morning"


class UserActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserActivity

    user = factory.SubFactory(UserFactory)
    session = factory.SubFactory(IdleSessionFactory, user=factory.SelfAttribute("..user"))
    activity_type = "click"


class FocusSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusSession

    user = factory.SubFactory(UserFactory)
    title = "Deep work"
    duration_minutes = 25
    status = FocusSession.Status.COMPLETED


class WorkSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkSession

    user = factory.SubFactory(UserFactory)
    title = "Feature"
    project = "cadence"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    ended_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    duration = 3600


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    user = factory.SubFactory(UserFactory)
    name = "Focus"
    type = Goal.Type.DAILY_PRODUCTIVE
    target_hours = 4


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Integration

    user = factory.SubFactory(UserFactory)
    provider = factory.Sequence(lambda n: f"provider{n}")
    access_token = "secret-access"


class CalendarEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarEvent

    user = factory.SubFactory(UserFactory)
    integration = factory.SubFactory(IntegrationFactory, user=factory.SelfAttribute("..user"))
    external_id = factory.Sequence(lambda n: f"evt{n}")
    title = "Meeting"
    start_time = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))
    end_time = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))
