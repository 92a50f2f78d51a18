from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inventory.kinds import ResourceRow
from inventory.models import Kind

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def droplet_row(provider_id: int | str = 1, **overrides) -> ResourceRow:
    values = {
        "kind": Kind.DROPLET,
        "provider_id": str(provider_id),
        "name": f"web-{provider_id}",
        "region": "nyc3",
        "size_slug": "s-1vcpu-1gb",
        "status": "active",
        "tags": ["web"],
        "attrs": {"memory": 1024, "vcpus": 1, "image": {"slug": "ubuntu-24-04-x64"}},
    }
    values.update(overrides)
    return ResourceRow(**values)


@pytest.fixture
def at():
    """`at(hours)`: a timestamp that many hours after a fixed start."""
    return lambda hours=0: T0 + timedelta(hours=hours)
