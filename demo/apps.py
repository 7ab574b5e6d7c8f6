from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set and the synthetic generators (load_demo, generate_synthetic,
    generate_dossiers): the top app, which writes through every other app's services and which
    none of them imports. No models, so no name shown in the admin."""

    name = "demo"
