import django_filters

from core.filters import FilterSet, IsoDateTimeFilter
from social import selectors
from social.models import Emoji, EmojiCategory, Notification


class EmojiCategoryFilter(FilterSet):
    class Meta:
        model = EmojiCategory
        fields = ["name", "is_active"]


class EmojiFilter(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="name, shortcode, keywords")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Emoji
        fields = ["category", "is_custom", "is_active", "shortcode", "skin_tone", "base_emoji"]

    def filter_search(self, queryset, name, value):
        return selectors.emoji_search(queryset=queryset, term=value)


class NotificationFilter(FilterSet):
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Notification
        fields = ["is_read", "type", "priority"]
