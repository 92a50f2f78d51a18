"""Buttons on one row's console page (accept a drift, revert it, resume a saga), each
leading to a confirmation page that says what will happen and takes a comment.

The list actions act on many rows at once; these act on the row an operator is reading.
Both call the same services. An action here is a `PageAction` on the ModelAdmin plus two
methods the admin defines, named after it:

- `<name>_preview(request, obj) -> Preview`: what the action would do, as HTML, and why it
  would be refused (empty when it may go ahead);
- `<name>_perform(request, obj, comment) -> str`: does it (raising DomainError to refuse)
  and says what it did.

A refusal (no permission, the row's state, the service's own refusal) is shown on the
confirmation page with a message and a status code that says why (403, 409, 400), never
Django's bare 403 page. What was done is kept in the row's console history (LogEntry)
with the comment, besides whatever the service stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.safestring import SafeString

from arcadia.errors import Conflict, DomainError, InvalidInput, NotFound

COMMENT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class PageAction:
    name: str  # the URL segment and the methods' prefix: "accept"
    label: str  # the button: "Accept…"
    verb: str  # the confirm button: "Accept this drift"
    permission: str  # `has_<permission>_permission(request)` on the admin
    needs: str  # who may, in the refusal: "the platform-admin role"
    comment_label: str = "Comment"


@dataclass(frozen=True)
class Preview:
    summary: SafeString
    refusal: str = ""
    refusal_status: int = 409


class CommentForm(forms.Form):
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, InvalidInput):
        return 400
    return 400


class PageActionsMixin(admin.ModelAdmin):
    """Adds `page_actions` as buttons on the change page and their confirmation pages."""

    page_actions: tuple[PageAction, ...] = ()
    change_form_template = "admin/arcadia/change_form_with_actions.html"
    confirm_template = "admin/arcadia/confirm_page_action.html"

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                f"<path:object_id>/{action.name}/",
                self.admin_site.admin_view(self._page_action_view),
                {"action_name": action.name},
                name="{}_{}_{}".format(*info, action.name),
            )
            for action in self.page_actions
        ]
        return own + super().get_urls()

    def page_action_buttons(self, obj: Any) -> list[dict[str, str]]:
        info = self.opts.app_label, self.opts.model_name
        return [
            {
                "name": action.name,
                "label": action.label,
                "url": reverse("admin:{}_{}_{}".format(*info, action.name), args=[obj.pk]),
            }
            for action in self.page_actions
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None:
            context["page_action_buttons"] = self.page_action_buttons(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _page_action_view(
        self, request: HttpRequest, object_id: str, action_name: str
    ) -> HttpResponse:
        action = next(a for a in self.page_actions if a.name == action_name)
        obj = self.get_object(request, object_id)
        if obj is None:
            self.message_user(
                request,
                f"There is no {self.opts.verbose_name} #{object_id} (deleted?).",
                messages.WARNING,
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            )
        if not self.has_view_permission(request, obj):
            raise PermissionDenied  # cannot see the row at all: nothing to explain on it
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        )
        form = CommentForm(request.POST if request.method == "POST" else None)
        preview: Preview = getattr(self, f"{action.name}_preview")(request, obj)
        refusal, status = preview.refusal, preview.refusal_status
        if not getattr(self, f"has_{action.permission}_permission")(request):
            refusal, status = f"You cannot do this: it needs {action.needs}.", 403
        code = status if request.method == "POST" else 200
        if request.method == "POST" and not refusal:
            code = 400
            if form.is_valid():
                comment = form.cleaned_data["comment"].strip()
                try:
                    done = getattr(self, f"{action.name}_perform")(request, obj, comment)
                except DomainError as exc:
                    refusal, code = exc.message, _status(exc)
                else:
                    self.log_change(
                        request,
                        obj,
                        f"{action.label.rstrip('…')}: {done}"
                        + (f" Comment: {comment}" if comment else ""),
                    )
                    self.message_user(request, done, messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        if refusal:
            self.message_user(request, f"Refused: {refusal}", messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{action.label.rstrip('…')} {self.opts.verbose_name} #{obj.pk}?",
            "subtitle": str(obj),
            "opts": self.opts,
            "object": obj,
            "action": action,
            "preview": preview,
            "refusal": refusal,
            "form": form,
            "change_url": change_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.confirm_template, context, status=code)
