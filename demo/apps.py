from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py demo`: seeds a demo on top of the domain apps; nothing imports it."""

    name = "demo"
