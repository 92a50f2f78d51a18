"""The console for drift suppressions: the list (scope, field, owner, reason, expiry, state,
how much drift each holds), an add form, and "Lift" as an admin action with a reason.

The form validates with the service's own checks (`drift.services.suppressions.check`)
and saves through `suppress`; the action calls `lift`, once per suppression. Nothing here
writes a suppression or a drift itself. A suppression's page is read-only, with its audit
trail ("Change history"): a suppression is never edited, it is lifted and a new one made.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from arcadia.admin import ViewOnlyAdmin
from arcadia.errors import DomainError, InvalidInput, NotFound
from arcadia.validation import is_ascii_id
from drift import selectors
from drift.models import DriftStatus, DriftSuppression
from drift.services.suppressions import check, lift, require_one_scope, suppress
from drift.suppression_match import active_q
from inventory.models import CloudResource, Kind
from tenants.admin import ConfigHistoryMixin
from tenants.models import User
from tenants.roles import is_platform_admin

SUPPRESSION_PAGE: tuple[str, ...] = (
    "scope_column",
    "field",
    "owner",
    "reason",
    "expiry",
    "state",
    "held_drift",
    "created_at",
    "created_by",
    "lifted_at",
    "lifted_by",
    "lift_reason",
    "expiry_handled_at",
    "change_history",
)


def _platform_admins() -> QuerySet[User]:
    return User.objects.filter(Q(is_platform_admin=True) | Q(is_superuser=True), is_active=True)


class SuppressForm(forms.ModelForm):
    """One scope (resource, kind or tag), the field, why, whose, until when."""

    resource = forms.CharField(
        required=False, label="Resource", help_text="Id or URN, e.g. do:droplet:123."
    )
    kind = forms.ChoiceField(required=False, choices=[("", "---------"), *Kind.choices])
    tag = forms.CharField(required=False, max_length=255)
    field = forms.CharField(max_length=255, help_text="The drifted field, e.g. size_slug.")
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(queryset=User.objects.none(), help_text="You by default.")
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires at",
        help_text="YYYY-MM-DD HH:MM, in the console's time zone. Required unless permanent.",
    )
    permanent = forms.BooleanField(
        required=False, help_text="Never expires: tick only when that is what you mean."
    )

    class Meta:
        model = DriftSuppression
        fields = ["resource", "kind", "tag", "field", "reason", "owner", "expires_at", "permanent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:  # the add form (a suppression's page is read-only)
            self.fields["owner"].queryset = _platform_admins()  # type: ignore[attr-defined]
        self.resource_obj: CloudResource | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            reference = data.get("resource") or ""
            require_one_scope(resource=reference, kind=data.get("kind"), tag=data.get("tag"))
            if reference:
                self.resource_obj = selectors.find_resource(reference)
            check(
                resource=self.resource_obj,
                kind=data.get("kind"),
                tag=data.get("tag"),
                field=data.get("field", ""),
                reason=data.get("reason", ""),
                owner=data["owner"],
                expires_at=data.get("expires_at"),
                permanent=bool(data.get("permanent")),
            )
        except NotFound as exc:
            self.add_error("resource", exc.message)
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data

    def _post_clean(self) -> None:
        # No model validation: `check` above is the service's, with its messages; the
        # instance is built by the service, not from this form.
        pass


class LiftActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "why lift (required)"}),
    )


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("expired", "Expired"), ("lifted", "Lifted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        active = active_q(timezone.now())
        if self.value() == "active":
            return queryset.filter(active)
        if self.value() == "expired":
            return queryset.filter(Q(lifted_at__isnull=True) & ~active)
        if self.value() == "lifted":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


@admin.register(DriftSuppression)
class DriftSuppressionAdmin(ConfigHistoryMixin, ViewOnlyAdmin):
    list_display = [
        "id",
        "scope_column",
        "field",
        "owner",
        "reason_column",
        "expiry",
        "state",
        "held_drift",
        "created_at",
    ]
    list_display_links = ["id"]
    list_filter = [StateFilter, "field"]
    list_select_related = ["resource", "owner", "created_by", "lifted_by"]
    search_fields = ["=field", "kind", "tag", "resource__urn", "reason"]
    ordering = ["-created_at", "-id"]
    actions = ["lift_selected"]
    action_form = LiftActionForm
    form = SuppressForm
    fields = SUPPRESSION_PAGE
    readonly_fields = SUPPRESSION_PAGE

    def get_queryset(self, request: HttpRequest) -> QuerySet[DriftSuppression]:
        return selectors.with_held(super().get_queryset(request))

    # -- permissions: add and lift, for platform admins ---------------------------------

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user)

    def has_lift_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return SuppressForm.Meta.fields if obj is None else SUPPRESSION_PAGE

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else SUPPRESSION_PAGE

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_changeform_initial_data(request), "owner": request.user.pk}

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if add:  # the add form saves; every other page is read-only
            return admin.ModelAdmin.render_change_form(
                self, request, context, add, change, form_url, obj
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = suppress(
            resource=form.resource_obj,
            kind=data.get("kind"),
            tag=data.get("tag"),
            field=data["field"],
            reason=data["reason"],
            owner=data["owner"],
            expires_at=data.get("expires_at"),
            permanent=bool(data.get("permanent")),
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # nothing else to save: the service wrote the suppression and its audit record

    # -- columns -------------------------------------------------------------------------

    @admin.display(description="Scope", ordering="id")
    def scope_column(self, obj: DriftSuppression) -> str:
        if obj.resource is not None:
            url = reverse("admin:inventory_cloudresource_change", args=[obj.resource_id])
            return format_html('resource <a href="{}">{}</a>', url, obj.resource.urn)
        return f"{obj.scope} {obj.target}"

    @admin.display(description="Reason")
    def reason_column(self, obj: DriftSuppression) -> str:
        return format_html(
            '<span class="cell-truncate" title="{}">{}</span>', obj.reason, obj.reason
        )

    @admin.display(description="Expires", ordering="expires_at")
    def expiry(self, obj: DriftSuppression) -> str:
        if obj.permanent:
            return "permanent"
        assert obj.expires_at is not None
        return timezone.localtime(obj.expires_at).strftime("%Y-%m-%d %H:%M %Z")

    @admin.display(description="State")
    def state(self, obj: DriftSuppression) -> str:
        return obj.state(timezone.now())

    @admin.display(description="Drift held", ordering="held")
    def held_drift(self, obj: DriftSuppression) -> str:
        held = getattr(obj, "held", 0)
        url = (
            reverse("admin:drift_drift_changelist")
            + f"?status={DriftStatus.SUPPRESSED}&suppression__id__exact={obj.pk}"
        )
        return format_html('<a href="{}">{}</a>', url, held)

    # -- the action ----------------------------------------------------------------------

    @admin.action(
        description="Lift selected suppressions (their drift goes back to the inbox)",
        permissions=["lift"],
    )
    def lift_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = request.POST.get("reason", "")
        lifted = 0
        refused: list[str] = []
        for suppression_id in self._selected_ids(request, queryset):
            try:
                lift(suppression_id, actor=request.user, reason=reason)  # type: ignore[arg-type]
                lifted += 1
            except InvalidInput as exc:  # no reason: the same for every row
                self.message_user(request, f"Nothing lifted: {exc.message}", messages.ERROR)
                return
            except DomainError as exc:
                refused.append(f"#{suppression_id}: {exc.message}")
        if lifted:
            self.message_user(
                request,
                f"Lifted {lifted} suppression{'s' if lifted != 1 else ''}: "
                "their drift is back in the inbox.",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(request, "Refused: " + "; ".join(refused), messages.WARNING)

    @staticmethod
    def _selected_ids(request: HttpRequest, queryset: QuerySet) -> list[int]:
        posted = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if request.POST.get("select_across") == "1" or not posted:
            return list(queryset.order_by("pk").values_list("pk", flat=True))
        return sorted({int(value) for value in posted if is_ascii_id(value)})
