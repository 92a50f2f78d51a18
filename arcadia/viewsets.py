"""The base of every API viewset: a queryset always scoped to the asking user.

Apart from `arcadia.api` because DRF's generic views read `DEFAULT_FILTER_BACKENDS`
(which names `arcadia.api`) when they are imported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from rest_framework import mixins, viewsets


# A viewset whose queryset is ALWAYS its selector's, scoped to the asking user
# (NetBox's RestrictedQuerySet idea): a view cannot forget the tenant scope.
#
# Declare `scoped_by = staticmethod(app.selectors.things_visible_to)`, a callable
# `(user, **options) -> QuerySet`; `scope_options()` may pass per-action options
# (e.g. `include_tombstoned`). A subclass without `scoped_by`, or one that sets
# `queryset` or overrides `get_queryset`, is refused when its class is created
# (`abstract=True` in the class statement marks a base that is never routed).
# (Comments, not docstrings: drf-spectacular would print them in every operation.)
class ScopedViewSet(viewsets.GenericViewSet):
    scoped_by: ClassVar[Callable[..., QuerySet]]

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if abstract:  # a base for other viewsets, never routed
            return
        if not callable(getattr(cls, "scoped_by", None)):
            raise ImproperlyConfigured(
                f"{cls.__name__} has no `scoped_by` selector: every API viewset's "
                "queryset is scoped to the asking user (arcadia.viewsets.ScopedViewSet)."
            )
        for bypass in ("get_queryset", "queryset"):
            if bypass in cls.__dict__:
                raise ImproperlyConfigured(
                    f"{cls.__name__} sets `{bypass}`: its queryset comes from `scoped_by` "
                    "alone (give the selector an option and use `scope_options`)."
                )

    def scope_options(self) -> dict[str, Any]:
        """Keyword arguments for `scoped_by` on this request (none by default)."""
        return {}

    def get_queryset(self) -> QuerySet:
        return type(self).scoped_by(self.request.user, **self.scope_options())


class ScopedReadOnlyViewSet(
    mixins.RetrieveModelMixin, mixins.ListModelMixin, ScopedViewSet, abstract=True
):
    # `ReadOnlyModelViewSet`, scoped.
    pass
