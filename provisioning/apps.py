from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"

    def ready(self) -> None:
        # Drift listings show each drift's latest revert saga; drift cannot import
        # provisioning (the layer above it), so provisioning adds the columns.
        from drift import selectors as drift_selectors
        from provisioning.selectors import with_revert_saga

        if with_revert_saga not in drift_selectors.LISTING_ANNOTATIONS:
            drift_selectors.LISTING_ANNOTATIONS.append(with_revert_saga)
