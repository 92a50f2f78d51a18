from rest_framework.routers import SimpleRouter

from billing.api.views import InvoiceViewSet, ReconciliationViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only takes a bool
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("reconciliations", ReconciliationViewSet, basename="reconciliation")

urlpatterns = router.urls
