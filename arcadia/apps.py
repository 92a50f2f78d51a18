from django.apps import AppConfig


class ArcadiaConfig(AppConfig):
    """The project package as an app, for commands that span every domain app (`demo`)."""

    name = "arcadia"
    verbose_name = "Arcadia"
