from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class SuperuserAdminConfig(AdminConfig):
    """django.contrib.admin with reformdash.admin_site.SuperuserAdminSite as admin.site; the project's
    own AppConfig, so it also sees to the project-wide post-migrate step below."""

    default_site = "reformdash.admin_site.SuperuserAdminSite"

    def ready(self):
        super().ready()
        post_migrate.connect(login_cache_table_create, sender=self, dispatch_uid="reformdash.login_cache_table")


def login_cache_table_create(sender, using="default", verbosity=1, **kwargs):
    """After every `migrate`: the database cache tables (the failed-login counts when REDIS_URL is
    not set, reformdash.lib.lockout), so that `migrate` alone is enough. `createcachetable` creates
    only what is missing, and nothing when every cache is Redis or memory."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))
