from django.apps import AppConfig


class ArcadiaConfig(AppConfig):
    """The project package as an app, for its own commands (migrate, flush, DB roles)."""

    name = "arcadia"
    verbose_name = "Arcadia"

    def ready(self) -> None:
        from django.core import checks
        from django.db.backends.signals import connection_created

        from arcadia import db_roles

        checks.register(db_roles.check_database_role, checks.Tags.database)
        connection_created.connect(db_roles.warn_if_superuser, dispatch_uid="arcadia.db_roles")
