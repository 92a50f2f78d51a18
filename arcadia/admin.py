"""Console building blocks shared by every app's admin.

Most rows in Arcadia are written only by services (the chokepoint, detection, sagas,
billing generation). Their console pages are for reading and for actions, which call the
same services as the API; they are never added, edited or deleted by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ViewOnlyAdmin(admin.ModelAdmin):
    """Viewable (with its actions), never added, edited or deleted in the console."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # GET shows the page with its read-only fields; a POST would be an edit.
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)


class ViewOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
