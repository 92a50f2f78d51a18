from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from knox.models import AuthToken

from arcadia.admin import ViewOnlyAdmin
from tenants import audit, services
from tenants.models import ApiToken, ConfigChange, Membership, Tenant, User


def render_changes(changes: dict) -> str:
    return "; ".join(f"{field}: {old} → {new}" for field, (old, new) in sorted(changes.items()))


class ConfigHistoryMixin:
    """Adds "Change history" to an object's page: its `ConfigChange` records, oldest first.
    List `"change_history"` in the admin's fields or readonly_fields."""

    @admin.display(description="Change history")
    def change_history(self, obj: Model) -> SafeString | str:
        if obj.pk is None:
            return "-"
        rows = [
            (f"{c.occurred_at:%Y-%m-%d %H:%M:%S}", c.action, render_changes(c.changes), c.actor)
            for c in audit.history(obj)
        ]
        return format_html_join(mark_safe("<br>"), "{}: {} {} by {}", rows) or "-"


@admin.register(ConfigChange)
class ConfigChangeAdmin(ViewOnlyAdmin):
    list_display = [
        "occurred_at",
        "model",
        "object_repr",
        "action",
        "summary",
        "actor",
        "request_id",
    ]
    list_filter = ["model", "action"]
    # `=`: an exact request id, pasted from a log line.
    search_fields = ["object_repr", "actor", "=request_id"]
    date_hierarchy = "occurred_at"

    @admin.display(description="changes")
    def summary(self, change: ConfigChange) -> str:
        return render_changes(change.changes)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["tenant"]


@admin.register(Tenant)
class TenantAdmin(ConfigHistoryMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "purpose", "created_at"]
    list_filter = ["purpose"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "purpose", "change_history"]
    readonly_fields = ["change_history"]

    def save_model(self, request, obj: Tenant, form, change) -> None:
        services.save_tenant(obj, actor=request.user.get_username())

    def delete_model(self, request, obj: Tenant) -> None:
        services.delete_tenant(obj, actor=request.user.get_username())

    def delete_queryset(self, request, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            self.delete_model(request, tenant)


@admin.register(User)
class UserAdmin(ConfigHistoryMixin, BaseUserAdmin):
    list_display = ["username", "email", "is_platform_admin", "is_staff", "is_active"]
    list_filter = ["is_platform_admin", "is_staff", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Platform role", {"fields": ["is_platform_admin"]}),
        ("Audit", {"fields": ["change_history"]}),
    )
    readonly_fields = ["change_history"]
    inlines = [MembershipInline]

    # Roles, activation and memberships decide who sees what: every write is audited
    # (tenants.services.save_user / set_memberships).
    def save_model(self, request, obj: User, form, change) -> None:
        services.save_user(obj, actor=request.user.get_username())

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        kept = [
            f.cleaned_data["tenant"]
            for f in formset.forms
            if f.cleaned_data.get("tenant") and not f.cleaned_data.get("DELETE")
        ]
        services.set_memberships(form.instance, kept, actor=request.user.get_username())
        # Django's own change message reads these; the audit record is ConfigChange's.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj: User) -> None:
        services.delete_user(obj, actor=request.user.get_username())

    def delete_queryset(self, request, queryset: QuerySet[User]) -> None:
        for user in queryset:
            self.delete_model(request, user)


# knox's own admin lists and names each token by its digest, and lets the console issue
# tokens with any expiry, or none. Ours (under Tenants, "API tokens") shows the prefix
# knox keeps for lookup, never enough to use, and only reads and revokes: tokens are
# issued by `manage.py tenancy token USER`, which shows each once, with the set lifetime.
admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnlyAdmin):
    list_display = ["prefix", "user", "created", "expiry"]
    list_filter = ["expiry"]
    search_fields = ["token_key", "user__username"]
    readonly_fields = ["prefix", "user", "created", "expiry"]
    list_select_related = ["user"]
    # knox's primary key is the digest: rows link nowhere, so it is in no URL. (It is
    # still each row's checkbox value, for the action; a digest is refused as a token.)
    list_display_links = None
    actions = ["revoke"]

    @admin.display(description="token")
    def prefix(self, token: ApiToken) -> str:
        return f"{token.token_key}…"

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset)
        for token in tokens:
            services.revoke_api_token(token)
        self.message_user(request, f"Revoked {len(tokens)} token(s).", messages.SUCCESS)
