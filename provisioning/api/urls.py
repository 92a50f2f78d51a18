from arcadia.api import ApiRouter
from provisioning.api.views import DropletViewSet, SagaRunViewSet

router = ApiRouter()
router.register("droplets", DropletViewSet, basename="provisioning-droplet")
router.register("sagas", SagaRunViewSet, basename="saga")

urlpatterns = router.urls
