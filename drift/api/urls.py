from rest_framework.routers import SimpleRouter

from drift.api.views import DriftViewSet, ProvisionedViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only takes a bool
router.register("drift", DriftViewSet, basename="drift")
router.register("provisioned", ProvisionedViewSet, basename="provisioned")

urlpatterns = router.urls
