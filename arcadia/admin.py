"""Console building blocks shared by every app's admin.

Most rows in Arcadia are written only by services (the chokepoint, detection, sagas,
billing generation). Their console pages are for reading and for actions, which call the
same services as the API; they are never added, edited or deleted by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

# The submit row of a page nothing on can be saved: no Save, Save and continue, Save and
# add another, Delete (Django's submit row then offers "Close", back to the list).
NO_SAVE = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
    "show_delete": False,
}


class ViewOnlyAdmin(admin.ModelAdmin):
    """Viewable (with its actions), never added, edited or deleted in the console. Its
    pages have no Save button, and a POST to one (a stale tab, a crafted form) comes back
    to the page with a message saying why instead of a bare 403."""

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        context.update(NO_SAVE)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and object_id is not None:
            # Still refused (403), but on a console page that says why and links back.
            self.message_user(
                request,
                f"Not saved: this {self.opts.verbose_name} is read-only here. It changes "
                "only through its actions (the buttons on its page, or the list's actions).",
                messages.ERROR,
            )
            context = {
                **self.admin_site.each_context(request),
                "title": f"{str(self.opts.verbose_name).capitalize()} is read-only",
                "opts": self.opts,
                "back_url": request.path,
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, "admin/arcadia/read_only.html", context, status=403)
        return super().changeform_view(request, object_id, form_url, extra_context)

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
