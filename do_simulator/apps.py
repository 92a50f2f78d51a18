from django.apps import AppConfig


class DoSimulatorConfig(AppConfig):
    name = "do_simulator"
