"""The size, region and image catalog is DO's (slugs from the spec's examples)."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest

from do_simulator.catalog import CLOSED_REGIONS, GPU_SIZES, REGIONS, SIZES

from .conftest import SPEC_PATH, walk

# DO's spec misspells `s-32vcpu-192gb` as `s-32vcpu-192g` in its region examples.
SPEC_TYPOS = {"s-32vcpu-192g"}
SIZE_SLUG = re.compile(r"^\s*-\s*(s-\d+vcpu-\d+gb?|gpu-[a-z0-9]+x\d+-\d+gb)\s*$", re.M)


@pytest.fixture(scope="module")
def spec_size_slugs() -> set[str]:
    if not SPEC_PATH.exists():
        pytest.skip("DO's OpenAPI spec is not beside the repo")
    resources = SPEC_PATH.parent / "resources"
    found: set[str] = set()
    for name in ("regions", "sizes", "droplets"):
        for path in (resources / name).rglob("*.yml"):
            found.update(SIZE_SLUG.findall(path.read_text(encoding="utf-8")))
    return found - SPEC_TYPOS


def test_every_size_the_spec_lists_in_examples_is_served(spec_size_slugs: set[str]) -> None:
    assert spec_size_slugs  # the scan found the examples
    assert spec_size_slugs - set(SIZES) == set()


def test_sizes_endpoint_serves_gpu_sizes_with_gpu_info(client: httpx.Client) -> None:
    sizes, _ = walk(client, "/v2/sizes?per_page=200", "sizes")
    by_slug = {s["slug"]: s for s in sizes}

    assert set(by_slug) == set(SIZES)
    h100 = by_slug["gpu-h100x1-80gb"]
    assert h100["gpu_info"] == {
        "count": 1,
        "vram": {"amount": 80, "unit": "gib"},
        "model": "nvidia_h100",
    }
    assert (h100["price_hourly"], h100["price_monthly"], h100["memory"]) == (6.74, 4529.3, 245760)
    assert by_slug["gpu-h100x8-640gb"]["gpu_info"]["count"] == 8
    assert "gpu_info" not in by_slug["s-1vcpu-1gb-amd"]


def test_cpu_hourly_price_is_the_monthly_over_672_hours() -> None:
    for size in SIZES.values():
        if size.gpu is None:
            expected = (size.price_monthly / 672).quantize(Decimal("0.00001"))
            assert size.price_hourly == expected, size.slug
    assert SIZES["s-1vcpu-1gb"].price_hourly == Decimal("0.00893")  # Arcadia's billing tests


def test_regions_endpoint_lists_every_region_with_its_sizes(client: httpx.Client) -> None:
    regions = client.get("/v2/regions").json()["regions"]
    by_slug = {r["slug"]: r for r in regions}

    assert set(by_slug) == set(REGIONS)
    assert by_slug["tor1"]["available"] is True
    assert "gpu-h100x1-80gb" in by_slug["tor1"]["sizes"]
    assert "gpu-h100x1-80gb" not in by_slug["fra1"]["sizes"]
    assert all(not by_slug[r]["available"] and not by_slug[r]["sizes"] for r in CLOSED_REGIONS)


@pytest.mark.parametrize("size", ["s-1vcpu-1gb-amd", "m3-2vcpu-16gb", "c-96-intel"])
def test_droplets_of_the_real_catalog_can_be_created(client: httpx.Client, size: str) -> None:
    body = {"name": "cat-01", "region": "nyc3", "size": size, "image": "ubuntu-24-04-x64"}
    response = client.post("/v2/droplets", json=body)
    assert response.status_code == 202
    assert response.json()["droplet"]["size"]["slug"] == size


def test_a_closed_region_refuses_new_droplets(client: httpx.Client) -> None:
    body = {"name": "cat-01", "region": "sfo1", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}
    assert client.post("/v2/droplets", json=body).status_code == 422


def test_images_are_listed_and_found_by_slug_or_id(client: httpx.Client) -> None:
    images = client.get("/v2/images").json()["images"]
    slugs = {i["slug"] for i in images}
    assert {"ubuntu-24-04-x64", "gpu-h100x1-base"} <= slugs

    gpu_image = next(i for i in images if i["slug"] == "gpu-h100x1-base")
    assert client.get(f"/v2/images/{gpu_image['id']}").json()["image"] == gpu_image
    assert client.get("/v2/images/gpu-h100x1-base").json()["image"] == gpu_image
    assert client.get("/v2/images/no-such-image").status_code == 404
    assert client.get("/v2/images", params={"private": "true"}).json()["images"] == []


def test_gpu_sizes_are_a_subset_of_the_catalog() -> None:
    assert {"gpu-h100x1-80gb", "gpu-h100x8-640gb", "gpu-mi300x1-192gb"} == set(GPU_SIZES)
