from django.urls import path
from rest_framework.routers import SimpleRouter

from social.api import views

router = SimpleRouter()
router.register("emoji-categories", views.EmojiCategoryViewSet, basename="emoji-category")
router.register("emojis", views.EmojiViewSet, basename="emoji")
router.register("emoji-favorites", views.EmojiFavoriteViewSet, basename="emoji-favorite")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("chat-groups", views.ChatGroupViewSet, basename="chat-group")
router.register("messages", views.MessageViewSet, basename="message")

urlpatterns = [
    path("me/status/", views.MyStatusView.as_view(), name="my-status"),
    path("me/status/heartbeat/", views.HeartbeatView.as_view(), name="my-status-heartbeat"),
    path("users/<uuid:user_id>/status/", views.UserStatusView.as_view(), name="user-status"),
    path(
        "chat-invites/<str:token>/accept/",
        views.ChatInviteAcceptView.as_view(),
        name="chat-invite-accept",
    ),
    *router.urls,
]
