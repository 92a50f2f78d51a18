"""Imports run one way (STYLE.md, "Layers"): each app imports only apps at or below its
layer, and `arcadia/` (settings, urls, Celery, shared plumbing) imports no domain app.

Every import counts, also one inside a function or under TYPE_CHECKING: hiding an import
does not remove the dependency. Tests and migrations are left out (a test may drive any
layer; a migration names what it depends on)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first; an app may import itself and anything before it.
LAYERS = (
    "do_client",
    "do_simulator",
    "tenants",
    # Below every app that emits events: they call webhooks.services.emit.
    "webhooks",
    "inventory",
    "drift",
    "provisioning",
    "billing",
    "demo",
    "portal",  # tenants' read-only pages: reads the domain apps, nothing imports it
    "console",  # the operator console's home: reads every domain app, nothing imports it
)
DOMAIN_APPS = ("tenants", "webhooks", "inventory", "drift", "provisioning", "billing", "demo")
# Parallel layers: neither imports the other.
PEERS = {
    ("do_client", "do_simulator"),
    ("do_simulator", "do_client"),
    ("demo", "portal"),
    ("portal", "demo"),
}


def _modules(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or path.name.startswith("test_"):
            continue
        yield path


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _violations(package: str, allowed: set[str], forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {other}"
        for path in _modules(package)
        for other in sorted(_imported_packages(path) & forbidden - allowed)
    ]


@pytest.mark.parametrize("app", [app for app in LAYERS if (ROOT / app).is_dir()])
def test_an_app_imports_only_apps_at_or_below_its_layer(app):
    index = LAYERS.index(app)
    above = set(LAYERS[index + 1 :]) | {peer for own, peer in PEERS if own == app}

    assert _violations(app, {app}, above) == []


def test_arcadia_imports_no_domain_app():
    assert _violations("arcadia", set(), set(DOMAIN_APPS)) == []


def test_the_layer_check_sees_imports_hidden_in_functions(tmp_path):
    module = tmp_path / "hidden.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from provisioning.services import Started\n"
        "def f():\n    import billing.models\n"
    )

    assert {"provisioning", "billing"} <= _imported_packages(module)
