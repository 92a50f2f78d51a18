"""Provisioning's routes under `/api/v1/drift/`: revert, next to the drift it starts a
saga for (the rest of `/api/v1/drift/` is drift's own)."""

from arcadia.api import ApiRouter
from provisioning.api.views import DriftRevertViewSet

router = ApiRouter()
router.register("drift", DriftRevertViewSet, basename="drift-revert")

urlpatterns = router.urls
