"""Every test in the tree runs: a package's tests are collected only from `testpaths`
(pyproject.toml), so a package that gains tests without being listed there would have them
silently skipped by `bin/test` and CI (demo's were, until this test)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_directory_holding_tests_is_under_a_testpath():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    testpaths = config["tool"]["pytest"]["ini_options"]["testpaths"]
    top_levels = {
        path.relative_to(ROOT).parts[0]
        for path in ROOT.rglob("test_*.py")
        if not {".venv", "var", "node_modules"} & set(path.relative_to(ROOT).parts)
    }

    assert sorted(top_levels - set(testpaths)) == []
