"""Who sees what, province-wide.

Sở Nội vụ staff and appraisers work across every unit, so they are Django groups rather than
unit memberships; administrators are superusers. Everyone else sees only the units he is a
member of and the units under them (units.selectors.units_visible_to).
"""

from django.utils.translation import gettext_lazy as _

STAFF_GROUP = "staff"
APPRAISER_GROUP = "appraiser"
PROVINCE_WIDE_GROUPS = {
    STAFF_GROUP: _("Department of Home Affairs staff: read every unit"),
    APPRAISER_GROUP: _("Appraisers: read every unit, enter and appraise scores"),
}


def sees_all_units(user):
    """True for administrators, staff and appraisers; memoised on the user for one request."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_sees_all_units"):
        user._sees_all_units = user.groups.filter(name__in=PROVINCE_WIDE_GROUPS).exists()
    return user._sees_all_units
