import django_filters
from django.db.models import Q
from django.utils import timezone

from core.filters import FilterSet, IsoDateTimeFilter
from teams.models import Group, Team, TeamInvite, TeamMember


class TeamFilter(FilterSet):
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Team
        fields = ["plan"]


class TeamMemberFilter(FilterSet):
    joined_after = IsoDateTimeFilter(field_name="joined_at", lookup_expr="gte")
    joined_before = IsoDateTimeFilter(field_name="joined_at", lookup_expr="lt")

    class Meta:
        model = TeamMember
        fields = ["role", "is_active"]


class TeamInviteFilter(FilterSet):
    email = django_filters.CharFilter(lookup_expr="iexact")
    status = django_filters.ChoiceFilter(choices=TeamInvite.Status.choices, method="by_status")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = TeamInvite
        fields = ["role", "email", "status"]

    def by_status(self, queryset, name, value):
        now = timezone.now()
        open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        return queryset.filter(
            {
                TeamInvite.Status.ACCEPTED: Q(accepted_at__isnull=False),
                TeamInvite.Status.REVOKED: Q(revoked_at__isnull=False),
                TeamInvite.Status.EXPIRED: open_ & Q(expires_at__lte=now),
                TeamInvite.Status.PENDING: open_ & Q(expires_at__gt=now),
            }[value]
        )


class GroupFilter(FilterSet):
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Group
        fields = ["group_type", "is_public", "is_open", "is_system"]
