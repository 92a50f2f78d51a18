"""The figures `/metrics` exposes, read at scrape time (arcadia.metrics).

Everything but the DO client's counters comes from the database, in a handful of
aggregate queries per scrape: the database is the one place every gunicorn worker, Celery
worker and beat write to, so any process answering a scrape tells the same truth. The DO
client's counters live in Redis (do_client.metrics) for the same reason.

The drift and sync histograms are built from rows of a recent window (`WINDOW`, 30
days), not accumulated by a process: a bucket can go down as old rows leave the window,
so read them as ratios (`bucket / count`), never through `rate()` or `increase()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from do_client import metrics as do_metrics

logger = logging.getLogger(__name__)

WINDOW = timedelta(days=30)
WINDOW_DAYS = WINDOW.days

# Bucket bounds in seconds (`le`), +Inf added.
DETECT_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400)
RESOLVE_BUCKETS = (3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400)
SYNC_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)

# The inventory's own record of a live change: the sync that saw the new value writes one
# of these events (inventory.services.chokepoint, .strikes) when it stores it.
LIVE_CHANGE_EVENTS = ("updated", "tagged", "struck", "deleted")
RESOLUTIONS = ("accepted", "reverted", "stale")
# What a sync run counts about resources, as `outcome`.
SYNC_OUTCOMES = ("seen", "discovered", "updated", "restored", "struck", "deleted")

_DRIFT_OPEN_SQL = """
SELECT r.kind, d.field, count(*)
  FROM cloud_drift d JOIN cloud_resources r ON r.id = d.resource_id
 WHERE d.status = 'open'
 GROUP BY r.kind, d.field
"""

# Each drift detected in the window, and the seconds since the last live change the
# inventory recorded on its resource before detection (none recorded: not counted).
_TIME_TO_DETECT_SOURCE = """
SELECT '' AS label, extract(epoch FROM d.detected_at - c.changed_at)::float8 AS seconds
  FROM cloud_drift d
  CROSS JOIN LATERAL (
        SELECT max(e.occurred_at) AS changed_at
          FROM cloud_resource_events e
         WHERE e.resource_id = d.resource_id AND e.event = ANY(%(events)s)
           AND e.occurred_at <= d.detected_at
       ) c
 WHERE d.detected_at >= %(since)s AND c.changed_at IS NOT NULL
"""

_TIME_TO_RESOLVE_SOURCE = """
SELECT d.status AS label, extract(epoch FROM d.resolved_at - d.detected_at)::float8 AS seconds
  FROM cloud_drift d
 WHERE d.resolved_at >= %(since)s AND d.status = ANY(%(resolutions)s)
"""

_SYNC_DURATION_SOURCE = """
SELECT s.kind AS label, extract(epoch FROM s.finished_at - s.started_at)::float8 AS seconds
  FROM cloud_sync_runs s
 WHERE s.status = 'completed' AND s.finished_at >= %(since)s
"""

_LAST_SYNC_SQL = f"""
SELECT DISTINCT ON (kind) kind, extract(epoch FROM finished_at)::float8,
       {", ".join(SYNC_OUTCOMES)}
  FROM cloud_sync_runs
 WHERE status = 'completed'
 ORDER BY kind, finished_at DESC, id DESC
"""

# A non-matched line whose reason accounts for it without anyone acting (the same list as
# console.dashboard.EXPLAINED_REASONS; arcadia/ imports no domain app, a test keeps them
# equal). A matched line has no reason.
EXPLAINED_REASONS = ("rounding",)

_SAGAS_SQL = "SELECT saga, status, count(*) FROM provisioning_saga_runs GROUP BY saga, status"

_INVOICES_SQL = "SELECT status, count(*) FROM billing_invoices GROUP BY status"

# The newest reconciliation of each currency, and the money on its lines that no reason
# explains away (console.dashboard: every non-matched line but rounding).
_UNEXPLAINED_SQL = """
SELECT r.currency,
       coalesce(sum(l.difference) FILTER (WHERE l.reason <> ''
                                            AND l.reason <> ALL(%(explained)s)), 0)
  FROM (SELECT DISTINCT ON (currency) id, currency
          FROM billing_reconciliations
         ORDER BY currency, created_at DESC, id DESC) r
  LEFT JOIN billing_reconciliation_lines l ON l.reconciliation_id = r.id
 GROUP BY r.currency
"""


def _histogram_sql(source: str, buckets: Sequence[int]) -> str:
    """One row per label: the cumulative count at each bound, the count and the sum.
    The bounds are this module's constants, never input."""
    counts = ", ".join(f"count(*) FILTER (WHERE seconds <= {int(b)})" for b in buckets)
    return (
        f"SELECT label, {counts}, count(*), coalesce(sum(seconds), 0) "
        f"FROM ({source}) t GROUP BY label ORDER BY label"
    )


def _rows(sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _histogram(
    name: str,
    documentation: str,
    label: str | None,
    source: str,
    buckets: Sequence[int],
    params: dict[str, Any],
    *,
    labels_if_empty: Iterable[str] = (),
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation, labels=[label] if label else None)
    seen: set[str] = set()
    for row in _rows(_histogram_sql(source, buckets), params):
        value, *cumulative = row[:-2]
        count, total = row[-2], row[-1]
        bounds = [(str(float(b)), c) for b, c in zip(buckets, cumulative, strict=True)]
        bounds.append(("+Inf", count))
        family.add_metric([value] if label else [], bounds, float(total))
        seen.add(value)
    # A label with nothing in the window still answers, with zeros: a ratio of it is
    # "no data", not a missing series an alert could not tell from a broken scrape.
    for value in labels_if_empty:
        if value not in seen:
            zeros = [(str(float(b)), 0) for b in buckets] + [("+Inf", 0)]
            family.add_metric([value] if label else [], zeros, 0.0)
    return family


class ArcadiaCollector(Collector):
    """Every `arcadia_*` figure, collected on each scrape."""

    def collect(self) -> Iterator[Metric]:
        since = timezone.now() - WINDOW
        yield self._drift_open()
        yield _histogram(
            "arcadia_drift_time_to_detect_seconds",
            "Seconds from the live change the inventory recorded on a resource (its last "
            "updated/tagged/struck/deleted event) to detection, over drift detected in the "
            f"last {WINDOW_DAYS} days (a window, not a running total: read bucket/count).",
            None,
            _TIME_TO_DETECT_SOURCE,
            DETECT_BUCKETS,
            {"events": list(LIVE_CHANGE_EVENTS), "since": since},
            labels_if_empty=[""],
        )
        yield _histogram(
            "arcadia_drift_time_to_resolve_seconds",
            "Seconds from detection to resolution, by resolution, over drift resolved in the "
            f"last {WINDOW_DAYS} days (a window, not a running total: read bucket/count).",
            "resolution",
            _TIME_TO_RESOLVE_SOURCE,
            RESOLVE_BUCKETS,
            {"resolutions": list(RESOLUTIONS), "since": since},
            labels_if_empty=RESOLUTIONS,
        )
        yield _histogram(
            "arcadia_sync_duration_seconds",
            f"Seconds a completed full sync took, by kind, over runs finished in the last "
            f"{WINDOW_DAYS} days (a window, not a running total: read bucket/count).",
            "kind",
            _SYNC_DURATION_SOURCE,
            SYNC_BUCKETS,
            {"since": since},
        )
        yield from self._last_syncs()
        yield self._counts(
            "arcadia_sagas", "Saga runs, by saga and status.", ["saga", "status"], _SAGAS_SQL
        )
        yield self._counts("arcadia_invoices", "Invoices, by status.", ["status"], _INVOICES_SQL)
        yield self._unexplained()
        yield from self._do_requests()

    def _drift_open(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "arcadia_drift_open",
            "Open drift, by resource kind and field.",
            labels=["kind", "field"],
        )
        for kind, field, count in _rows(_DRIFT_OPEN_SQL):
            family.add_metric([kind, field], count)
        return family

    def _last_syncs(self) -> Iterator[GaugeMetricFamily]:
        resources = GaugeMetricFamily(
            "arcadia_sync_resources",
            "Resources the last completed full sync of each kind counted, by outcome.",
            labels=["kind", "outcome"],
        )
        finished = GaugeMetricFamily(
            "arcadia_sync_last_completed_timestamp_seconds",
            "When the last completed full sync of each kind finished (unix time).",
            labels=["kind"],
        )
        for kind, finished_at, *counts in _rows(_LAST_SYNC_SQL):
            finished.add_metric([kind], finished_at)
            for outcome, count in zip(SYNC_OUTCOMES, counts, strict=True):
                resources.add_metric([kind, outcome], count)
        yield resources
        yield finished

    @staticmethod
    def _counts(name: str, documentation: str, labels: list[str], sql: str) -> GaugeMetricFamily:
        family = GaugeMetricFamily(name, documentation, labels=labels)
        for *values, count in _rows(sql):
            family.add_metric([str(v) for v in values], count)
        return family

    def _unexplained(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "arcadia_reconciliation_unexplained_amount",
            "Ours minus DO's on the newest reconciliation of each currency, over the lines "
            "no reason explains (every non-matched line but rounding).",
            labels=["currency"],
        )
        for currency, amount in _rows(_UNEXPLAINED_SQL, {"explained": list(EXPLAINED_REASONS)}):
            family.add_metric([currency], float(amount))
        return family

    def _do_requests(self) -> Iterator[Metric]:
        error = GaugeMetricFamily(
            "arcadia_metrics_source_up",
            "1 when this scrape could read the source (redis: the DO client's counters).",
            labels=["source"],
        )
        try:
            requests, remaining = do_metrics.read()
        except Exception as exc:
            logger.warning("metrics: cannot read the DO client's counters: %s", exc)
            error.add_metric(["redis"], 0)
            yield error
            return
        error.add_metric(["redis"], 1)
        yield error
        total = CounterMetricFamily(
            "arcadia_do_requests",
            "Requests sent to the DO API (retries included), by token purpose and HTTP "
            f"status ({do_metrics.TRANSPORT_ERROR}: no response), from every process.",
            labels=["purpose", "status"],
        )
        for (purpose, status), count in sorted(requests.items()):
            total.add_metric([purpose, status], count)
        yield total
        gauge = GaugeMetricFamily(
            "arcadia_do_ratelimit_remaining",
            "DO's ratelimit-remaining on the last response, by token purpose.",
            labels=["purpose"],
        )
        for purpose, value in sorted(remaining.items()):
            gauge.add_metric([purpose], value)
        yield gauge
