from rest_framework.routers import SimpleRouter

from auditing.api import views

router = SimpleRouter()
router.register("audit-logs", views.AuditLogViewSet, basename="audit-log")
router.register("me/audit-logs", views.MyAuditLogViewSet, basename="my-audit-log")
router.register("session-activities", views.SessionActivityViewSet, basename="session-activity")
router.register("session-analytics", views.SessionAnalyticsViewSet, basename="session-analytics")

urlpatterns = router.urls
