from arcadia.api import ApiRouter
from drift.api.suppressions import DriftSuppressionViewSet
from drift.api.views import DriftViewSet, ProvisionedViewSet

router = ApiRouter()
router.register("drift/suppressions", DriftSuppressionViewSet, basename="drift-suppression")
router.register("drift", DriftViewSet, basename="drift")
router.register("provisioned", ProvisionedViewSet, basename="provisioned")

urlpatterns = router.urls
