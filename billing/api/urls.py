from arcadia.api import ApiRouter
from billing.api.views import InvoiceViewSet, ReconciliationViewSet

router = ApiRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("reconciliations", ReconciliationViewSet, basename="reconciliation")

urlpatterns = router.urls
