from rest_framework.routers import SimpleRouter

from config.api import views

router = SimpleRouter()
router.register("app-settings", views.AppSettingViewSet, basename="app-setting")

urlpatterns = router.urls
