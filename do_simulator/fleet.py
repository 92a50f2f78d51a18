"""Seeded, realistic fleet generation: projects, tags and droplets with a past.

Everything comes from one `random.Random(seed)`, so a seed and a `now` give the same
fleet every time. Droplets were created over the last ~14 months (ids grow with
creation time, as at DO); some were resized or destroyed since, so the billing history
has more than one segment per droplet and bills droplets that no longer exist.
The project `skyai-internal` is deliberately absent: Arcadia's bootstrap creates it.

A few GPU droplets (Globex's training machines) come last, and about one droplet in five
has backups on (one in ten has snapshots); both draw from their own seeded generators,
so the CPU fleet of a seed is the same whatever their number.
"""

from __future__ import annotations

import random
import sys
import uuid
from dataclasses import dataclass, field

from .backups import WEEKDAYS, DropletExtras
from .catalog import GPU_SIZES, SIZES
from .models import Droplet, Project, Segment

FIRST_DROPLET_ID = 300_000_000
DAY = 86_400

# (name, description, purpose, environment, tenant tag)
TENANT_PROJECTS = [
    ("acme-prod", "Acme production inference", "Service or API", "Production", "acme"),
    ("acme-staging", "Acme staging", "Web Application", "Staging", "acme"),
    (
        "globex-ml",
        "Globex model training",
        "Machine learning / AI / Data processing",
        "Production",
        "globex",
    ),
    ("initech-web", "Initech web tier", "Website or blog", "Production", "initech"),
    (
        "umbrella-data",
        "Umbrella data pipelines",
        "Machine learning / AI / Data processing",
        "Development",
        "umbrella",
    ),
    ("hooli-search", "Hooli search API", "Service or API", "Production", "hooli"),
]

# The regions and images the seeded CPU fleet is spread over.
FLEET_REGIONS = ["nyc1", "nyc3", "sfo3", "ams3", "fra1", "lon1", "sgp1", "tor1", "blr1", "syd1"]
FLEET_IMAGES = [
    "ubuntu-24-04-x64",
    "ubuntu-22-04-x64",
    "debian-12-x64",
    "rockylinux-9-x64",
    "fedora-40-x64",
]
GPU_FLEET_SIZES = ["gpu-h100x1-80gb", "gpu-h100x1-80gb", "gpu-mi300x1-192gb", "gpu-h100x8-640gb"]
GPU_PROJECT = "globex-ml"
FIRST_BACKUP_ID = 170_000_000
FIRST_SNAPSHOT_ID = 180_000_000
ROLES = ["web", "api", "worker", "infer", "train", "db", "cache", "proxy", "batch", "ci"]
ENV_TAG = {"Production": "env:prod", "Staging": "env:staging", "Development": "env:dev"}
# Small Basic sizes dominate a real fleet.
SIZE_WEIGHTS = {
    "s-1vcpu-512mb-10gb": 4,
    "s-1vcpu-1gb": 18,
    "s-1vcpu-2gb": 16,
    "s-2vcpu-2gb": 12,
    "s-2vcpu-4gb": 14,
    "s-4vcpu-8gb": 10,
    "s-8vcpu-16gb": 4,
    "c-2": 5,
    "c-4": 4,
    "g-2vcpu-8gb": 6,
    "g-4vcpu-16gb": 3,
    "m-2vcpu-16gb": 4,
}
# Sizes a droplet can grow into without shrinking its disk (DO never shrinks a disk).
GROWTH = {
    "s-1vcpu-512mb-10gb": "s-1vcpu-1gb",
    "s-1vcpu-1gb": "s-1vcpu-2gb",
    "s-1vcpu-2gb": "s-2vcpu-4gb",
    "s-2vcpu-2gb": "s-2vcpu-4gb",
    "s-2vcpu-4gb": "s-4vcpu-8gb",
    "s-4vcpu-8gb": "s-8vcpu-16gb",
    "c-2": "c-4",
    "g-2vcpu-8gb": "g-4vcpu-16gb",
}


@dataclass
class Fleet:
    projects: list[Project]
    tags: list[str]
    droplets: list[Droplet]  # live, ascending id
    deleted: list[Droplet] = field(default_factory=list)  # destroyed in the past, for billing
    next_droplet_id: int = FIRST_DROPLET_ID
    extras: dict[int, DropletExtras] = field(default_factory=dict)  # backups, snapshots


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_projects(rng: random.Random, now: int) -> list[Project]:
    start = now - 3 * 365 * DAY
    projects = [
        Project(
            id=new_uuid(rng),
            name="first-project",
            description="Update your project information under Settings",
            purpose="Just trying out DigitalOcean",
            environment="Development",
            is_default=True,
            created_at=start,
        )
    ]
    for i, (name, desc, purpose, env, _tenant) in enumerate(TENANT_PROJECTS):
        projects.append(
            Project(
                id=new_uuid(rng),
                name=name,
                description=desc,
                purpose=purpose,
                environment=env,
                is_default=False,
                created_at=start + (i + 1) * 30 * DAY,
            )
        )
    return projects


def build_fleet(*, seed: int, droplets: int, now: int, gpu_droplets: int = 3) -> Fleet:
    rng = random.Random(seed)
    projects = build_projects(rng, now)
    default, tenants = projects[0], projects[1:]
    sizes, weights = list(SIZE_WEIGHTS), list(SIZE_WEIGHTS.values())
    regions, images = FLEET_REGIONS, FLEET_IMAGES
    tags: set[str] = set()

    # About one droplet in twenty of the history was destroyed already.
    total = droplets + droplets // 20
    created = sorted(now - rng.randint(DAY, 420 * DAY) for _ in range(total))
    deleted_slots = set(rng.sample(range(total), total - droplets))

    live: list[Droplet] = []
    dead: list[Droplet] = []
    next_id = FIRST_DROPLET_ID
    for n, created_at in enumerate(created):
        next_id += rng.randint(1, 40)
        in_default = rng.random() < 0.1
        project = default if in_default else rng.choice(tenants)
        env = "Development" if in_default else project.environment
        role = rng.choice(ROLES)
        region = rng.choice(regions)
        size = rng.choices(sizes, weights)[0]
        droplet_tags = [ENV_TAG[env], f"role:{role}"]
        if not in_default:
            droplet_tags.append(f"tenant:{TENANT_PROJECTS[tenants.index(project)][4]}")
        tags.update(droplet_tags)
        droplet = Droplet(
            id=next_id,
            name=f"{role}-{region}-{n + 1:06d}",
            size=size,
            disk=SIZES[size].disk,
            region=sys.intern(region),
            image=sys.intern(rng.choice(images)),
            status="active" if rng.random() < 0.92 else "off",
            created_at=created_at,
            tags=tuple(sys.intern(t) for t in droplet_tags),
            project_id=project.id,
        )
        _maybe_resized(rng, droplet, now)
        if n in deleted_slots:
            droplet.end_life(rng.randint(droplet.history[-1].start, now - 3600))
            dead.append(droplet)
        else:
            live.append(droplet)
    gpu_rng = random.Random(f"{seed}:gpu")
    next_id = _add_gpu_droplets(gpu_rng, projects, live, gpu_droplets, now, after=next_id)
    tags.update(t for d in live for t in d.tags)
    extras = _extras(random.Random(f"{seed}:backups"), live)
    return Fleet(projects, sorted(tags), live, dead, next_id + 1, extras)


def _add_gpu_droplets(
    rng: random.Random,
    projects: list[Project],
    live: list[Droplet],
    count: int,
    now: int,
    *,
    after: int,
) -> int:
    """Globex's GPU machines, created in the last two months, ids after every CPU droplet's.

    Returns the last id given out.
    """
    project = next(p for p in projects if p.name == GPU_PROJECT)
    next_id = after
    created = sorted(now - rng.randint(DAY, 60 * DAY) for _ in range(count))
    for n, created_at in enumerate(created):
        next_id += rng.randint(1, 40)
        size = GPU_FLEET_SIZES[n % len(GPU_FLEET_SIZES)]
        assert size in GPU_SIZES
        region = rng.choice(SIZES[size].regions)
        live.append(
            Droplet(
                id=next_id,
                name=f"train-{size.removeprefix('gpu-')}-{region}-{n + 1:03d}",
                size=size,
                disk=SIZES[size].disk,
                region=sys.intern(region),
                image="gpu-h100x1-base",
                status="active",
                created_at=created_at,
                tags=("env:prod", "role:train", "tenant:globex", "gpu"),
                project_id=project.id,
            )
        )
    return next_id


def _extras(rng: random.Random, live: list[Droplet]) -> dict[int, DropletExtras]:
    """Backups on about one droplet in five, snapshots on one in ten."""
    extras: dict[int, DropletExtras] = {}
    backup_id, snapshot_id = FIRST_BACKUP_ID, FIRST_SNAPSHOT_ID
    for droplet in live:
        backups, snapshots = rng.random() < 0.2, rng.random() < 0.1
        if not (backups or snapshots):
            continue
        found = DropletExtras()
        if backups:
            found.plan = rng.choice(["daily", "weekly"])
            found.weekday = rng.choice(WEEKDAYS) if found.plan == "weekly" else None
            found.hour = rng.choice((0, 4, 8, 12, 16, 20))
            kept = rng.randint(1, 4)
            found.backup_ids = tuple(range(backup_id, backup_id + kept))
            backup_id += kept
        if snapshots:
            found.snapshot_ids = (snapshot_id,)
            snapshot_id += 1
        extras[droplet.id] = found
    return extras


def _maybe_resized(rng: random.Random, droplet: Droplet, now: int) -> None:
    """One droplet in ten grew once in the past: its history has two segments."""
    grown = GROWTH.get(droplet.size)
    if grown is None or rng.random() >= 0.1 or now - droplet.created_at < 2 * 3600:
        return
    at = rng.randint(droplet.created_at + 3600, now - 3600)
    droplet.history = [Segment(droplet.size, droplet.created_at)]
    droplet.change_size(grown, at)
    droplet.disk = SIZES[grown].disk
