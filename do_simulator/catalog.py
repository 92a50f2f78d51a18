"""DigitalOcean's static catalog as the simulator serves it: sizes, regions, images.

Slugs, specs and prices are DO's real ones. Prices are kept as `Decimal` built from
strings; `price_float` turns one into the float whose shortest repr is the same text,
so JSON carries `0.00893`, never float noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

REGIONS: dict[str, str] = {
    "nyc1": "New York 1",
    "nyc3": "New York 3",
    "sfo3": "San Francisco 3",
    "ams3": "Amsterdam 3",
    "fra1": "Frankfurt 1",
    "lon1": "London 1",
    "sgp1": "Singapore 1",
    "tor1": "Toronto 1",
    "blr1": "Bangalore 1",
    "syd1": "Sydney 1",
}

REGION_FEATURES = [
    "backups",
    "ipv6",
    "metadata",
    "install_agent",
    "storage",
    "image_transfer",
]


@dataclass(frozen=True, slots=True)
class Size:
    slug: str
    description: str
    vcpus: int
    memory: int  # MiB
    disk: int  # GiB
    transfer: float  # TiB
    price_monthly: Decimal
    price_hourly: Decimal


def _size(
    slug: str, desc: str, vcpus: int, mem: int, disk: int, tr: float, mo: str, hr: str
) -> Size:
    return Size(slug, desc, vcpus, mem, disk, tr, Decimal(mo), Decimal(hr))


SIZES: dict[str, Size] = {
    s.slug: s
    for s in [
        _size("s-1vcpu-512mb-10gb", "Basic", 1, 512, 10, 0.5, "4.00", "0.00595"),
        _size("s-1vcpu-1gb", "Basic", 1, 1024, 25, 1.0, "6.00", "0.00893"),
        _size("s-1vcpu-2gb", "Basic", 1, 2048, 50, 2.0, "12.00", "0.01786"),
        _size("s-2vcpu-2gb", "Basic", 2, 2048, 60, 3.0, "18.00", "0.02679"),
        _size("s-2vcpu-4gb", "Basic", 2, 4096, 80, 4.0, "24.00", "0.03571"),
        _size("s-4vcpu-8gb", "Basic", 4, 8192, 160, 5.0, "48.00", "0.07143"),
        _size("s-8vcpu-16gb", "Basic", 8, 16384, 320, 6.0, "96.00", "0.14286"),
        _size("c-2", "CPU-Optimized", 2, 4096, 25, 4.0, "42.00", "0.0625"),
        _size("c-4", "CPU-Optimized", 4, 8192, 50, 5.0, "84.00", "0.125"),
        _size("g-2vcpu-8gb", "General Purpose", 2, 8192, 25, 4.0, "63.00", "0.09375"),
        _size("g-4vcpu-16gb", "General Purpose", 4, 16384, 50, 5.0, "126.00", "0.1875"),
        _size("m-2vcpu-16gb", "Memory-Optimized", 2, 16384, 50, 4.0, "84.00", "0.125"),
    ]
}


@dataclass(frozen=True, slots=True)
class Image:
    id: int
    slug: str
    name: str
    distribution: str
    created_at: str
    min_disk_size: int
    size_gigabytes: float


IMAGES: dict[str, Image] = {
    i.slug: i
    for i in [
        Image(
            160000001,
            "ubuntu-24-04-x64",
            "24.04 (LTS) x64",
            "Ubuntu",
            "2024-04-25T14:01:00Z",
            7,
            2.38,
        ),
        Image(
            160000002,
            "ubuntu-22-04-x64",
            "22.04 (LTS) x64",
            "Ubuntu",
            "2022-04-22T12:07:31Z",
            7,
            2.36,
        ),
        Image(160000003, "debian-12-x64", "12 x64", "Debian", "2023-06-12T17:40:36Z", 7, 1.12),
        Image(
            160000004, "rockylinux-9-x64", "9 x64", "Rocky Linux", "2022-07-21T20:52:08Z", 10, 1.35
        ),
        Image(160000005, "fedora-40-x64", "40 x64", "Fedora", "2024-04-24T15:21:45Z", 7, 1.28),
    ]
}
IMAGES_BY_ID: dict[int, Image] = {i.id: i for i in IMAGES.values()}


def price_float(value: Decimal) -> float:
    """DO's wire type is a JSON number; Python's shortest float repr keeps `0.00893` exact."""
    return float(value)


def render_size(size: Size) -> dict[str, Any]:
    return {
        "slug": size.slug,
        "memory": size.memory,
        "vcpus": size.vcpus,
        "disk": size.disk,
        "transfer": size.transfer,
        "price_monthly": price_float(size.price_monthly),
        "price_hourly": price_float(size.price_hourly),
        "regions": sorted(REGIONS),
        "available": True,
        "description": size.description,
        "disk_info": [{"type": "local", "size": {"amount": size.disk, "unit": "gib"}}],
    }


def render_region(slug: str) -> dict[str, Any]:
    return {
        "name": REGIONS[slug],
        "slug": slug,
        "features": list(REGION_FEATURES),
        "available": True,
        "sizes": list(SIZES),
    }


def render_image(image: Image) -> dict[str, Any]:
    return {
        "id": image.id,
        "name": image.name,
        "distribution": image.distribution,
        "slug": image.slug,
        "public": True,
        "regions": sorted(REGIONS),
        "created_at": image.created_at,
        "type": "base",
        "min_disk_size": image.min_disk_size,
        "size_gigabytes": image.size_gigabytes,
        "description": f"{image.distribution} {image.name}",
        "tags": [],
        "status": "available",
        "error_message": "",
    }


# Sub-objects embedded in every droplet are rendered once and shared; json.dumps never mutates.
SIZE_JSON: dict[str, dict[str, Any]] = {slug: render_size(s) for slug, s in SIZES.items()}
REGION_JSON: dict[str, dict[str, Any]] = {slug: render_region(slug) for slug in REGIONS}
IMAGE_JSON: dict[str, dict[str, Any]] = {slug: render_image(i) for slug, i in IMAGES.items()}
