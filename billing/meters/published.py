"""DO's published prices for what its API does not price, the price book's seed
(migration 0007 writes a frozen copy; operators then keep the book in the console).

Each row: (inventory kind, price key, price_hourly, price_monthly, DO's page). Hourly
prices are DO's where it publishes them (5 places, as on its pages), else the monthly
price / 672 (DO's 28-day cap). Where DO's pages are silent the choice is said per row.
"""

from __future__ import annotations

from decimal import Decimal

from billing.meters.networking import LB_NODE_KEY, RESERVED_IPV4_KEY
from billing.meters.platform import DATABASE_STORAGE_KEY, KUBERNETES_HA_KEY, registry_key
from billing.meters.storage import SNAPSHOT_KEY, VOLUME_KEY

VOLUMES = "https://docs.digitalocean.com/products/volumes/details/pricing/"
SNAPSHOTS = "https://docs.digitalocean.com/products/snapshots/details/pricing/"
LOAD_BALANCERS = "https://docs.digitalocean.com/products/networking/load-balancers/details/pricing/"
RESERVED_IPS = "https://docs.digitalocean.com/products/networking/reserved-ips/details/pricing/"
KUBERNETES = "https://docs.digitalocean.com/products/kubernetes/details/pricing/"
DATABASES = "https://docs.digitalocean.com/products/databases/details/pricing/"
APPS = "https://docs.digitalocean.com/products/app-platform/details/pricing/"
REGISTRY = "https://docs.digitalocean.com/products/container-registry/details/pricing/"

PublishedPrice = tuple[str, str, Decimal, Decimal, str]

PUBLISHED_PRICES: tuple[PublishedPrice, ...] = tuple(
    (kind, key, Decimal(hourly), Decimal(monthly), source)
    for kind, key, hourly, monthly, source in (
        ("volume", VOLUME_KEY, "0.000149", "0.10", VOLUMES),
        ("snapshot", SNAPSHOT_KEY, "0.0000893", "0.06", SNAPSHOTS),
        ("load_balancer", LB_NODE_KEY, "0.01786", "12.00", LOAD_BALANCERS),
        ("load_balancer", "lb-small", "0.01786", "12.00", LOAD_BALANCERS),
        ("load_balancer", "lb-medium", "0.05357", "36.00", LOAD_BALANCERS),
        ("load_balancer", "lb-large", "0.10714", "72.00", LOAD_BALANCERS),
        ("reserved_ip", RESERVED_IPV4_KEY, "0.00744", "5.00", RESERVED_IPS),
        ("kubernetes_cluster", KUBERNETES_HA_KEY, "0.05952", "40.00", KUBERNETES),
        ("database", "db-s-1vcpu-1gb", "0.02232", "15.00", DATABASES),
        ("database", "db-s-1vcpu-2gb", "0.04464", "30.00", DATABASES),
        ("database", "db-s-2vcpu-4gb", "0.08929", "60.00", DATABASES),
        ("database", "db-s-4vcpu-8gb", "0.17857", "120.00", DATABASES),
        ("database", "db-s-6vcpu-16gb", "0.35714", "240.00", DATABASES),
        ("database", "db-s-8vcpu-32gb", "0.71429", "480.00", DATABASES),
        # Additional storage: DO's page gives the monthly price only; hourly = /672.
        ("database", DATABASE_STORAGE_KEY, "0.0003125", "0.21", DATABASES),
        ("app", "apps-s-1vcpu-0.5gb", "0.00744", "5.00", APPS),
        ("app", "apps-s-1vcpu-1gb-fixed", "0.01488", "10.00", APPS),
        ("app", "apps-s-1vcpu-1gb", "0.01786", "12.00", APPS),
        ("app", "apps-s-1vcpu-2gb", "0.03720", "25.00", APPS),
        ("app", "apps-s-2vcpu-4gb", "0.07440", "50.00", APPS),
        ("container_registry", registry_key("basic"), "0.00744", "5.00", REGISTRY),
        ("container_registry", registry_key("professional"), "0.02976", "20.00", REGISTRY),
    )
)
