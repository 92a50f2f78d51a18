from rest_framework.routers import SimpleRouter

from provisioning.api.views import DropletViewSet, SagaRunViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only takes a bool
router.register("droplets", DropletViewSet, basename="provisioning-droplet")
router.register("sagas", SagaRunViewSet, basename="saga")

urlpatterns = router.urls
