"""How long listing 100,000 droplets at per_page 200 takes through httpx (no assertion on time).

Opt-in, it takes a while: `DO_SIM_BENCH=1 pytest do_simulator/tests/test_benchmark.py -s`.
"""

from __future__ import annotations

import os
import resource
import time

import httpx
import pytest

from do_simulator.testing import running_simulator

pytestmark = pytest.mark.skipif(
    not os.environ.get("DO_SIM_BENCH"), reason="set DO_SIM_BENCH=1 to time 100,000 droplets"
)


def list_ids(client: httpx.Client) -> tuple[list[int], int]:
    """Walk every page keeping only ids, as a sync would keep only what it stores."""
    ids: list[int] = []
    pages = 0
    url: str | None = "/v2/droplets?per_page=200"
    while url:
        body = client.get(url).raise_for_status().json()
        ids.extend(d["id"] for d in body["droplets"])
        pages += 1
        url = body["links"].get("pages", {}).get("next")
    return ids, pages


def test_list_100k_droplets_at_200_per_page() -> None:
    started = time.perf_counter()
    with running_simulator(droplets=100_000) as sim:
        built = time.perf_counter() - started
        with httpx.Client(base_url=sim.base_url, headers=sim.auth_headers, timeout=60) as client:
            started = time.perf_counter()
            ids, pages = list_ids(client)
            listed = time.perf_counter() - started
            started = time.perf_counter()
            client.get("/v2/customers/my/invoices").raise_for_status()
            invoiced = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n100k fleet built in {built:.1f}s; listed {len(ids)} droplets in {pages} pages"
        f" in {listed:.1f}s ({listed / pages * 1000:.0f} ms/page); invoice list (cold)"
        f" {invoiced:.1f}s; peak RSS {rss_mb:.0f} MB"
    )
    assert len(set(ids)) == 100_000
    assert pages == 500
