from rest_framework import serializers

from tenants.models import Tenant, User


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "purpose", "created_at"]


class MeSerializer(serializers.ModelSerializer):
    tenants = TenantSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "is_platform_admin", "tenants"]


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many API tokens were revoked.")
