from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data set and the synthetic generators (load_demo, generate_synthetic,
    generate_dossiers): the top app, which writes through every other app's services and which
    none of them imports."""

    name = "demo"
    verbose_name = _("Demo data")
