"""DO's product names, as its invoice items carry them in `product`, for reconciliation
(DESIGN.md, "Every product", "Reconciliation"): both sides are keyed by
(DO product, resource id), so a load balancer and a droplet that share a numeric id never
collide.

The names themselves live with the meters (`billing.meters.PROVIDER_PRODUCT`, one per
product Arcadia meters, and `NOT_METERED_PRODUCTS`); this module reads DO's spelling of
them and finds the inventory kinds whose ids an item of a product carries.

Sources: DO's OpenAPI invoice example names "Kubernetes Clusters" and "Spaces Subscription"
(specification/resources/billing/responses/invoice.yml); godo's billing tests name
"Droplets" and "Load Balancers" (github.com/digitalocean/godo, invoices_test.go). DO
publishes no full list: names are compared case- and space-insensitively, and the aliases
below take DO's documented spellings to the meters' names.
"""

from __future__ import annotations

from billing.meters import NOT_METERED_PRODUCTS, PROVIDER_PRODUCT, Product
from inventory.models import Kind

# DO's spellings seen in its documentation -> the meters' name for the same product.
_ALIASES = {
    "kubernetes clusters": PROVIDER_PRODUCT[Product.KUBERNETES_HA],
    "kubernetes cluster": PROVIDER_PRODUCT[Product.KUBERNETES_HA],
    "droplet backups": PROVIDER_PRODUCT[Product.DROPLET_BACKUP],
    "floating ips": PROVIDER_PRODUCT[Product.RESERVED_IP],
    "databases": PROVIDER_PRODUCT[Product.DATABASE],
}

# Arcadia's product -> the inventory kind whose ids its items carry.
_PRODUCT_KIND: dict[str, str] = {
    Product.DROPLET: Kind.DROPLET,
    Product.GPU_DROPLET: Kind.DROPLET,
    Product.DROPLET_BACKUP: Kind.DROPLET,
    Product.VOLUME: Kind.VOLUME,
    Product.SNAPSHOT: Kind.SNAPSHOT,
    Product.LOAD_BALANCER: Kind.LOAD_BALANCER,
    Product.RESERVED_IP: Kind.RESERVED_IP,
    Product.DATABASE: Kind.DATABASE,
    Product.DATABASE_STORAGE: Kind.DATABASE,
    Product.KUBERNETES_HA: Kind.KUBERNETES_CLUSTER,
    Product.APP: Kind.APP,
    Product.CONTAINER_REGISTRY: Kind.CONTAINER_REGISTRY,
}

# DO product -> the inventory kinds whose ids its items carry (to find the resource).
PRODUCT_KINDS: dict[str, frozenset[str]] = {}
for _product, _kind in _PRODUCT_KIND.items():
    _name = PROVIDER_PRODUCT[_product]
    PRODUCT_KINDS[_name] = PRODUCT_KINDS.get(_name, frozenset()) | {_kind}

# What Arcadia meters, in DO's names; any other product on DO's invoice is "not metered".
METERED_PRODUCTS: frozenset[str] = frozenset(PROVIDER_PRODUCT.values())

_CANONICAL = {
    **{name.casefold(): name for name in [*METERED_PRODUCTS, *NOT_METERED_PRODUCTS]},
    **_ALIASES,
}


def canonical(product: str) -> str:
    """DO's product name as the meters spell it (case and spaces aside), else as given."""
    text = " ".join(str(product or "").split())
    return _CANONICAL.get(text.casefold(), text)


def provider_product(product: str) -> str:
    """DO's name for one of Arcadia's metered products (`billing.meters.Product`)."""
    return PROVIDER_PRODUCT.get(product, product)


def kinds_of(product: str) -> frozenset[str]:
    return PRODUCT_KINDS.get(canonical(product), frozenset())


def is_metered(product: str) -> bool:
    return canonical(product) in METERED_PRODUCTS
