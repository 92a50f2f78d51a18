"""docker-compose.yml stays valid YAML and runs Prometheus (scraping `/metrics` with the
metrics token) and Flower; bin/up keeps its logs in var/log/."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_prometheus_and_flower_beside_the_app():
    services = compose()["services"]

    assert {"web", "worker", "beat", "prometheus", "flower"} <= set(services)
    volumes = services["prometheus"]["volumes"]
    assert "./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in volumes
    assert "ARCADIA_METRICS_TOKEN" in services["prometheus"]["environment"]
    assert "/tmp/metrics_token" in services["prometheus"]["command"][0]
    assert "--broker=redis://redis:6379/0" in services["flower"]["command"]
    assert "FLOWER_BASIC_AUTH" in services["flower"]["environment"]
    # The app's processes share the metrics token Prometheus presents.
    assert "ARCADIA_METRICS_TOKEN" in services["web"]["environment"]


def test_prometheus_scrapes_web_with_the_token_file():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())

    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"] == {"type": "Bearer", "credentials_file": "/tmp/metrics_token"}
    assert job["static_configs"] == [{"targets": ["web:8000"]}]


def test_the_slo_rules_name_only_metrics_arcadia_exposes():
    from arcadia.metrics_collectors import DETECT_BUCKETS, RESOLVE_BUCKETS

    rules = (ROOT / "deploy" / "arcadia-rules.yml").read_text()
    yaml.safe_load(rules)
    exposed = {
        "arcadia_drift_time_to_detect_seconds",
        "arcadia_drift_time_to_resolve_seconds",
        "arcadia_sync_last_completed_timestamp_seconds",
        "arcadia_do_ratelimit_remaining",
    }
    used = {
        re.sub(r"_(bucket|count|sum)$", "", name) for name in re.findall(r"\barcadia_\w+", rules)
    }
    assert used <= exposed
    assert 'le="7200.0"' in rules and 7200 in DETECT_BUCKETS
    assert 'le="259200.0"' in rules and 259200 in RESOLVE_BUCKETS


def test_bin_up_writes_the_web_servers_logs_to_var_log():
    up = (ROOT / "bin" / "up").read_text()

    assert '--error-logfile "$LOG_DIR/web.log" >>"$LOG_DIR/web.log" 2>&1 &' in up
    assert '>"$LOG_DIR/worker.log" 2>&1 &' in up
    assert '>"$LOG_DIR/beat.log" 2>&1 &' in up
