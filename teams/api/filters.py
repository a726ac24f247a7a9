import django_filters

from teams.models import Group, Team, TeamInvite, TeamMember


class TeamFilter(django_filters.FilterSet):
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Team
        fields = ["plan"]


class TeamMemberFilter(django_filters.FilterSet):
    joined_after = django_filters.IsoDateTimeFilter(field_name="joined_at", lookup_expr="gte")
    joined_before = django_filters.IsoDateTimeFilter(field_name="joined_at", lookup_expr="lt")

    class Meta:
        model = TeamMember
        fields = ["role", "is_active"]


class TeamInviteFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(lookup_expr="iexact")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = TeamInvite
        fields = ["role", "email"]


class GroupFilter(django_filters.FilterSet):
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Group
        fields = ["group_type", "is_public", "is_open", "is_system"]
