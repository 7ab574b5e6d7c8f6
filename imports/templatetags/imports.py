"""`user|may_import`: whether to show the Import link (imports.selectors.may_import)."""

from django import template

from imports.selectors import may_import as _may_import

register = template.Library()


@register.filter
def may_import(user):
    return _may_import(user)
