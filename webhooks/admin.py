"""The console's webhooks: subscriptions (the secret is shown once, on the page after
adding one, never again) and their deliveries (read-only, with a redeliver action)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from arcadia.errors import DomainError
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import redeliver, subscribe


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    secret = forms.CharField(
        required=False,
        min_length=16,
        max_length=128,
        help_text="Leave empty to generate one; it is shown once, after saving.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "tenant", "format", "active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["url", "tenant", "format", "active", "created_by", "created_at"]
    list_filter = ["active", "format"]
    search_fields = ["url"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["url", "events", "tenant", "format", "secret"]
        return ["url", "events", "tenant", "format", "active", "created_by", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["url", "tenant", "created_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = subscribe(
            url=data["url"],
            events=data["events"],
            tenant=data.get("tenant"),
            secret=data.get("secret") or "",
            format=data["format"],
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = created.pk
        # Once: the secret is never displayed again.
        messages.warning(
            request, f"Signing secret for {created.url}: {created.secret} (copy it now)."
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event__type"]
    list_select_related = ["event", "subscription"]
    actions = ["redeliver_selected"]
    readonly_fields = [
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_response_excerpt",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "retry_until",
        "delivered_at",
        "created_at",
    ]

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Redeliver the selected deliveries now")
    def redeliver_selected(
        self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]
    ) -> HttpResponse | None:
        count = 0
        for delivery in queryset:
            try:
                redeliver(delivery)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            count += 1
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)
        return None
