from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from knox.models import AuthToken

from arcadia.admin import ViewOnlyAdmin
from tenants import services
from tenants.models import ApiToken, Membership, Tenant, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["tenant"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "purpose", "created_at"]
    list_filter = ["purpose"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "is_platform_admin", "is_staff", "is_active"]
    list_filter = ["is_platform_admin", "is_staff", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Platform role", {"fields": ["is_platform_admin"]}),
    )
    inlines = [MembershipInline]


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
