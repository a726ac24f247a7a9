from django.urls import path
from rest_framework.routers import SimpleRouter

from teams.api import views

router = SimpleRouter()
router.register("teams", views.TeamViewSet, basename="team")
router.register(r"teams/(?P<team_pk>[^/.]+)/members", views.TeamMemberViewSet, "team-member")
router.register(r"teams/(?P<team_pk>[^/.]+)/invites", views.TeamInviteViewSet, "team-invite")
router.register("groups", views.GroupViewSet, basename="group")

urlpatterns = [
    path("team-invites/accept/", views.TeamInviteAcceptView.as_view(), name="team-invite-accept"),
    *router.urls,
]
