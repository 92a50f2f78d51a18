"""DigitalOcean's static catalog as the simulator serves it: sizes, regions, images.

Slugs, specs and prices are DO's real ones. Prices are kept as `Decimal` built from
strings; `price_float` turns one into the float whose shortest repr is the same text,
so JSON carries `0.00893`, never float noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# Every region DO's spec examples name (resources/regions/responses/all_regions.yml,
# resources/droplets/responses/examples.yml, sizes' `regions`). sfo1 and ams2 are closed to
# new droplets, as at DO; atl1, nyc2, ric1 and tor1 host GPU droplets.
REGIONS: dict[str, str] = {
    "nyc1": "New York 1",
    "nyc2": "New York 2",
    "nyc3": "New York 3",
    "sfo1": "San Francisco 1",
    "sfo2": "San Francisco 2",
    "sfo3": "San Francisco 3",
    "ams2": "Amsterdam 2",
    "ams3": "Amsterdam 3",
    "fra1": "Frankfurt 1",
    "lon1": "London 1",
    "sgp1": "Singapore 1",
    "tor1": "Toronto 1",
    "blr1": "Bangalore 1",
    "syd1": "Sydney 1",
    "atl1": "Atlanta 1",
    "ric1": "Richmond 1",
}
CLOSED_REGIONS = frozenset({"sfo1", "ams2"})
# The regions an image's `regions` may name (an enum in resources/images/models/image.yml).
IMAGE_REGIONS = sorted(r for r in REGIONS if r not in ("atl1", "ric1"))
GPU_REGIONS = ("atl1", "nyc2", "ric1", "tor1")
OPEN_REGIONS = tuple(sorted(r for r in REGIONS if r not in CLOSED_REGIONS))

REGION_FEATURES = [
    "backups",
    "ipv6",
    "metadata",
    "install_agent",
    "storage",
    "image_transfer",
]


@dataclass(frozen=True, slots=True)
class Gpu:
    """A GPU size's accelerators, as DO's `gpu_info` (resources/sizes/models/gpu_info.yml)."""

    model: str
    count: int
    vram_gib: int


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
    gpu: Gpu | None = None
    scratch_disk: int = 0  # GiB of non-persistent disk, GPU sizes only

    @property
    def regions(self) -> tuple[str, ...]:
        return GPU_REGIONS if self.gpu is not None else OPEN_REGIONS


def _size(
    slug: str, desc: str, vcpus: int, mem_gib: float, disk: int, tr: float, monthly: str
) -> Size:
    # DO's hourly price is the monthly one over 672 hours (4 weeks), to five places.
    hourly = (Decimal(monthly) / 672).quantize(Decimal("0.00001"))
    return Size(slug, desc, vcpus, int(mem_gib * 1024), disk, tr, Decimal(monthly), hourly)


def _gpu(
    slug: str,
    desc: str,
    gpu: Gpu,
    *,
    vcpus: int,
    mem_gib: int,
    disk: int,
    scratch: int,
    tr: float,
    monthly: str,
    hourly: str,
) -> Size:
    return Size(
        slug, desc, vcpus, mem_gib * 1024, disk, tr, Decimal(monthly), Decimal(hourly), gpu, scratch
    )


# Every size slug DO's spec examples show (sizes, regions, droplets, images, actions), with
# DO's published specs and prices; `s-1vcpu-512mb-10gb` and `s-1vcpu-1gb-amd` are DO's too.
# The spec's example prices are years old (`s-1vcpu-1gb` at $5); these are today's.
SIZES: dict[str, Size] = {
    s.slug: s
    for s in [
        _size("s-1vcpu-512mb-10gb", "Basic", 1, 0.5, 10, 0.5, "4.00"),
        _size("s-1vcpu-1gb", "Basic", 1, 1, 25, 1.0, "6.00"),
        _size("s-1vcpu-1gb-amd", "Basic AMD", 1, 1, 25, 1.0, "7.00"),
        _size("s-1vcpu-2gb", "Basic", 1, 2, 50, 2.0, "12.00"),
        _size("s-1vcpu-3gb", "Basic", 1, 3, 60, 3.0, "15.00"),
        _size("s-2vcpu-2gb", "Basic", 2, 2, 60, 3.0, "18.00"),
        _size("s-3vcpu-1gb", "Basic", 3, 1, 60, 3.0, "15.00"),
        _size("s-2vcpu-4gb", "Basic", 2, 4, 80, 4.0, "24.00"),
        _size("s-4vcpu-8gb", "Basic", 4, 8, 160, 5.0, "48.00"),
        _size("s-6vcpu-16gb", "Basic", 6, 16, 320, 6.0, "80.00"),
        _size("s-8vcpu-16gb", "Basic", 8, 16, 320, 6.0, "96.00"),
        _size("s-8vcpu-32gb", "Basic", 8, 32, 640, 7.0, "160.00"),
        _size("s-12vcpu-48gb", "Basic", 12, 48, 960, 8.0, "240.00"),
        _size("s-16vcpu-64gb", "Basic", 16, 64, 1280, 9.0, "320.00"),
        _size("s-20vcpu-96gb", "Basic", 20, 96, 1920, 10.0, "480.00"),
        _size("s-24vcpu-128gb", "Basic", 24, 128, 2560, 11.0, "640.00"),
        _size("s-32vcpu-192gb", "Basic", 32, 192, 3840, 12.0, "960.00"),
        _size("c-1vcpu-2gb", "CPU-Optimized", 1, 2, 25, 2.0, "21.00"),
        _size("c-2", "CPU-Optimized", 2, 4, 25, 4.0, "42.00"),
        _size("c-4", "CPU-Optimized", 4, 8, 50, 5.0, "84.00"),
        _size("c-8", "CPU-Optimized", 8, 16, 100, 6.0, "168.00"),
        _size("c-16", "CPU-Optimized", 16, 32, 200, 7.0, "336.00"),
        _size("c-32", "CPU-Optimized", 32, 64, 400, 9.0, "672.00"),
        _size("c-96-intel", "CPU-Optimized Intel", 96, 192, 2400, 12.0, "2520.00"),
        _size("g-2vcpu-8gb", "General Purpose", 2, 8, 25, 4.0, "63.00"),
        _size("g-4vcpu-16gb", "General Purpose", 4, 16, 50, 5.0, "126.00"),
        _size("g-8vcpu-32gb", "General Purpose", 8, 32, 100, 6.0, "252.00"),
        _size("g-16vcpu-64gb", "General Purpose", 16, 64, 200, 7.0, "504.00"),
        _size("g-32vcpu-128gb", "General Purpose", 32, 128, 400, 8.0, "1008.00"),
        _size("g-40vcpu-160gb", "General Purpose", 40, 160, 500, 9.0, "1260.00"),
        _size("m-1vcpu-8gb", "Memory-Optimized", 1, 8, 40, 5.0, "60.00"),
        _size("m-2vcpu-16gb", "Memory-Optimized", 2, 16, 50, 4.0, "84.00"),
        _size("m-4vcpu-32gb", "Memory-Optimized", 4, 32, 100, 5.0, "168.00"),
        _size("m-8vcpu-64gb", "Memory-Optimized", 8, 64, 200, 6.0, "336.00"),
        _size("m-16vcpu-128gb", "Memory-Optimized", 16, 128, 400, 7.0, "672.00"),
        _size("m-24vcpu-192gb", "Memory-Optimized", 24, 192, 600, 8.0, "1008.00"),
        _size("m-32vcpu-256gb", "Memory-Optimized", 32, 256, 800, 9.0, "1344.00"),
        _size("m3-2vcpu-16gb", "Memory-Optimized 3x SSD", 2, 16, 150, 4.0, "104.00"),
        _size("m3-4vcpu-32gb", "Memory-Optimized 3x SSD", 4, 32, 300, 5.0, "208.00"),
        _size("m3-8vcpu-64gb", "Memory-Optimized 3x SSD", 8, 64, 600, 6.0, "416.00"),
        _size("m3-16vcpu-128gb", "Memory-Optimized 3x SSD", 16, 128, 1200, 7.0, "832.00"),
        _size("m3-24vcpu-192gb", "Memory-Optimized 3x SSD", 24, 192, 1800, 8.0, "1248.00"),
        _size("m3-32vcpu-256gb", "Memory-Optimized 3x SSD", 32, 256, 2400, 9.0, "1664.00"),
        _size("m6-2vcpu-16gb", "Memory-Optimized 6x SSD", 2, 16, 300, 4.0, "131.00"),
        _size("m6-4vcpu-32gb", "Memory-Optimized 6x SSD", 4, 32, 600, 5.0, "262.00"),
        _size("m6-8vcpu-64gb", "Memory-Optimized 6x SSD", 8, 64, 1200, 6.0, "524.00"),
        _size("m6-16vcpu-128gb", "Memory-Optimized 6x SSD", 16, 128, 2400, 7.0, "1048.00"),
        _size("m6-24vcpu-192gb", "Memory-Optimized 6x SSD", 24, 192, 3600, 8.0, "1572.00"),
        _size("m6-32vcpu-256gb", "Memory-Optimized 6x SSD", 32, 256, 4800, 9.0, "2096.00"),
        # resources/droplets/responses/examples.yml `gpu_droplets`: its size, verbatim.
        _gpu(
            "gpu-h100x1-80gb",
            "H100 GPU - 1X",
            Gpu("nvidia_h100", 1, 80),
            vcpus=20,
            mem_gib=240,
            disk=720,
            scratch=5120,
            tr=15,
            monthly="4529.3",
            hourly="6.74",
        ),
        # The 8-GPU machine the same example's region lists: eight times the one-GPU size.
        _gpu(
            "gpu-h100x8-640gb",
            "H100 GPU - 8X",
            Gpu("nvidia_h100", 8, 640),
            vcpus=160,
            mem_gib=1920,
            disk=2046,
            scratch=40960,
            tr=60,
            monthly="36234.4",
            hourly="53.92",
        ),
        # resources/dedicated_inferences (accelerator_slug): AMD's MI300X, one GPU.
        _gpu(
            "gpu-mi300x1-192gb",
            "AMD MI300X - 1X",
            Gpu("amd_mi300x", 1, 192),
            vcpus=20,
            mem_gib=240,
            disk=720,
            scratch=5120,
            tr=15,
            monthly="1337.28",
            hourly="1.99",
        ),
    ]
}
GPU_SIZES = frozenset(slug for slug, s in SIZES.items() if s.gpu is not None)


@dataclass(frozen=True, slots=True)
class Image:
    id: int
    slug: str
    name: str
    distribution: str
    created_at: str
    min_disk_size: int
    size_gigabytes: float
    description: str = ""


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
        # resources/droplets/responses/examples.yml `gpu_droplets`: the AI/ML base image.
        Image(
            166407044,
            "gpu-h100x1-base",
            "AI/ML Ready H100x1",
            "Ubuntu",
            "2024-09-27T15:35:19Z",
            25,
            18.47,
            "GPU H100 1x Base Image",
        ),
    ]
}
IMAGES_BY_ID: dict[int, Image] = {i.id: i for i in IMAGES.values()}
# The distribution images a seeded CPU droplet runs (the GPU image is for GPU droplets).
DISTRIBUTION_IMAGES = [slug for slug in IMAGES if not slug.startswith("gpu-")]


def price_float(value: Decimal) -> float:
    """DO's wire type is a JSON number; Python's shortest float repr keeps `0.00893` exact."""
    return float(value)


def disk_info(size: Size, disk: int) -> list[dict[str, Any]]:
    """DO's `disk_info`: the boot disk, plus a GPU size's scratch disk."""
    disks = [{"type": "local", "size": {"amount": disk, "unit": "gib"}}]
    if size.scratch_disk:
        disks.append({"type": "scratch", "size": {"amount": size.scratch_disk, "unit": "gib"}})
    return disks


def gpu_info(size: Size) -> dict[str, Any] | None:
    if size.gpu is None:
        return None
    vram = {"amount": size.gpu.vram_gib, "unit": "gib"}
    return {"count": size.gpu.count, "vram": vram, "model": size.gpu.model}


def render_size(size: Size) -> dict[str, Any]:
    body = {
        "slug": size.slug,
        "memory": size.memory,
        "vcpus": size.vcpus,
        "disk": size.disk,
        "transfer": size.transfer,
        "price_monthly": price_float(size.price_monthly),
        "price_hourly": price_float(size.price_hourly),
        "regions": list(size.regions),
        "available": True,
        "description": size.description,
    }
    gpu = gpu_info(size)
    if gpu is not None:
        body["gpu_info"] = gpu
    body["disk_info"] = disk_info(size, size.disk)
    return body


def render_region(slug: str) -> dict[str, Any]:
    open_ = slug not in CLOSED_REGIONS
    return {
        "name": REGIONS[slug],
        "slug": slug,
        "features": ["private_networking", *REGION_FEATURES],
        "available": open_,
        "sizes": [s for s, size in SIZES.items() if slug in size.regions] if open_ else [],
    }


def render_image(image: Image) -> dict[str, Any]:
    return {
        "id": image.id,
        "name": image.name,
        "distribution": image.distribution,
        "slug": image.slug,
        "public": True,
        "regions": IMAGE_REGIONS,
        "created_at": image.created_at,
        "type": "base",
        "min_disk_size": image.min_disk_size,
        "size_gigabytes": image.size_gigabytes,
        "description": image.description or f"{image.distribution} {image.name}",
        "tags": [],
        "status": "available",
        "error_message": "",
    }


# Sub-objects embedded in every droplet are rendered once and shared; json.dumps never mutates.
SIZE_JSON: dict[str, dict[str, Any]] = {slug: render_size(s) for slug, s in SIZES.items()}
REGION_JSON: dict[str, dict[str, Any]] = {slug: render_region(slug) for slug in REGIONS}
IMAGE_JSON: dict[str, dict[str, Any]] = {slug: render_image(i) for slug, i in IMAGES.items()}
