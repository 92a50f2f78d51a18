from rest_framework.routers import SimpleRouter

from inventory.api.views import ProjectViewSet, ResourceViewSet, SyncRunViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only takes a bool
router.register("projects", ProjectViewSet, basename="project")
router.register("resources", ResourceViewSet, basename="resource")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")

urlpatterns = router.urls
