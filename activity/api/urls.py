from rest_framework.routers import SimpleRouter

from activity.api import views

router = SimpleRouter()
router.register("activities", views.ActivityViewSet, basename="activity")
router.register(
    "classification-rules", views.ClassificationRuleViewSet, basename="classification-rule"
)
router.register("idle-sessions", views.IdleSessionViewSet, basename="idle-session")
router.register("user-activities", views.UserActivityViewSet, basename="user-activity")
router.register("focus-sessions", views.FocusSessionViewSet, basename="focus-session")
router.register("work-sessions", views.WorkSessionViewSet, basename="work-session")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("screenshots", views.ScreenshotViewSet, basename="screenshot")
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("calendar-events", views.CalendarEventViewSet, basename="calendar-event")

urlpatterns = router.urls
