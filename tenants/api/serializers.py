from rest_framework import serializers

from tenants.models import Tenant, User


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "purpose", "created_at"]


class MeSerializer(serializers.ModelSerializer):
    tenants = TenantSerializer(many=True, read_only=True)
    # The role as the API and console decide it (tenants.roles): a superuser is one too.
    is_platform_admin = serializers.BooleanField(
        source="has_platform_role",
        read_only=True,
        help_text=User._meta.get_field("is_platform_admin").help_text,
    )

    class Meta:
        model = User
        fields = ["id", "username", "email", "is_platform_admin", "tenants"]


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many API tokens were revoked.")
