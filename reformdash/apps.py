from django.contrib.admin.apps import AdminConfig


class SuperuserAdminConfig(AdminConfig):
    """django.contrib.admin with reformdash.admin_site.SuperuserAdminSite as admin.site."""

    default_site = "reformdash.admin_site.SuperuserAdminSite"
