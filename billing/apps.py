from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from billing import receivers  # noqa: F401  (connects the signal receivers)
        from billing.monthly_price import MonthlyPrices
        from drift.services.impact import register_prices

        # Drift prices its drift with billing's book but cannot import billing (the layer
        # above it): billing hands it the loader.
        register_prices(MonthlyPrices.load)
