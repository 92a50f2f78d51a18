from arcadia.api import ApiRouter
from inventory.api.views import ProjectViewSet, ResourceViewSet, SyncRunViewSet

router = ApiRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("resources", ResourceViewSet, basename="resource")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")

urlpatterns = router.urls
