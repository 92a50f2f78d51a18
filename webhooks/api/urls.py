from arcadia.api import ApiRouter
from webhooks.api.views import WebhookDeliveryViewSet, WebhookSubscriptionViewSet

router = ApiRouter()
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
