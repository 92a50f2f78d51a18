"""Page numbers with a capped count, for tables that keep growing (drift history).

Counting every match costs a scan of every match: ~14 ms for 100,000 open drifts on the
partial unique index, but ~100-150 ms for 1,000,000 resolved ones. The count here stops
at `COUNT_CAP` (`SELECT COUNT(*) FROM (... LIMIT cap + 1)`), so no page costs more than
reading that many index entries; past the cap the response says `count_capped: true`
and the last reachable page is the cap's. Narrow with filters to see further back.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.response import Response

from arcadia.api import StandardPagination

COUNT_CAP = 100_000


class CappedCountPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # Unordered, so the planner may count off any index instead of sorting first.
        queryset: QuerySet = self.object_list  # type: ignore[assignment]
        counted = queryset.order_by()[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)


class CappedCountPagination(StandardPagination):
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        paginator = self.page.paginator if self.page is not None else None
        response.data["count_capped"] = getattr(paginator, "capped", False)
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"True when more than {COUNT_CAP} rows match: `count` stops there.",
        }
        return paginated
