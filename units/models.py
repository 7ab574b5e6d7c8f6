from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from reformdash.lib.fields import precise_decimal
from units.validators import (
    CODE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    normalize_unit_name,
    validate_unit_code,
    validate_unit_name,
)


class UnitKind(models.TextChoices):
    NATION = "nation", _("Nation")
    MINISTRY = "ministry", _("Ministry")
    PROVINCE = "province", _("Province")
    DEPARTMENT = "department", _("Department / agency")
    DISTRICT = "district", _("District level")
    COMMUNE = "commune", _("Commune level")


class CommuneType(models.TextChoices):
    """What a commune-level unit is called since the 2025 reorganisation (Nghị quyết 202/2025/QH15)."""

    WARD = "ward", _("Ward")
    COMMUNE = "commune", _("Commune")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    TOWNSHIP = "township", _("Township")


class Unit(models.Model):
    """An administrative unit that is scored and ranked: a province, a department, a district, a commune."""

    # The rules and their reasons: units.validators, the one place importers, the admin and the API check.
    code = models.CharField(_("code"), max_length=CODE_MAX_LENGTH, unique=True, validators=[validate_unit_code])
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, validators=[validate_unit_name])
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    # A unit that moves to another parent is recorded as a new unit with a lineage link, so a
    # past year's groups are always this year's rows as they were (docs/design.md §5).
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True, help_text=_("Empty: since before records."))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day; empty: still in existence.")
    )
    # Phường, xã or đặc khu (thị trấn before 2025): the kind ranks them together, this names them.
    # db_default too: rows written by code that predates the column (older migrations' models) get "".
    commune_type = models.CharField(
        _("commune type"), max_length=16, choices=CommuneType.choices, blank=True, default="", db_default=""
    )
    # Where the unit is and how big, from the administrative-units data (units.admin_data): the map
    # places a dot at the centroid, sized by population or area. Empty where the data has none.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=10, decimal_places=2, null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["parent", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_to_after_valid_from",
                violation_error_message=_("A unit cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # Stored in NFC, as the importers store it: an NFD name from a form looks the same and matches nothing.
        self.name = normalize_unit_name(self.name)


class LineageKind(models.TextChoices):
    MERGE = "merge", _("Merge")
    SPLIT = "split", _("Split")
    RENAME = "rename", _("Rename")


class UnitLineage(models.Model):
    """A link from a unit that ended to the unit that carries on its work (merge, split or rename)."""

    predecessor = models.ForeignKey(
        Unit, verbose_name=_("predecessor"), on_delete=models.CASCADE, related_name="successor_links"
    )
    successor = models.ForeignKey(
        Unit, verbose_name=_("successor"), on_delete=models.CASCADE, related_name="predecessor_links"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=LineageKind.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("unit lineage")
        verbose_name_plural = _("unit lineage")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unitlineage_unique_pair"),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")),
                name="unitlineage_not_self",
                violation_error_message=_("A unit cannot be its own predecessor."),
            ),
        ]

    def __str__(self):
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()}, {self.date:%d/%m/%Y})"


class UnitHead(models.Model):
    """The person heading a unit for a period: the one held responsible for its results."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="heads")
    full_name = models.CharField(_("full name"), max_length=255)
    title = models.CharField(_("title"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headships",
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True, help_text=_("Empty: still in office."))

    class Meta:
        verbose_name = _("unit head")
        verbose_name_plural = _("unit heads")
        ordering = ["unit", "-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="unithead_end_after_start",
                violation_error_message=_("A term cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.full_name}, {self.title}"


class MembershipRole(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    OFFICER = "officer", _("Officer")
    HEAD = "head", _("Head")


class Membership(models.Model):
    """A user's place in a unit: what decides which units' data he may see and enter."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="unit_memberships"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=MembershipRole.choices, default=MembershipRole.VIEWER)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique_user_unit")]

    def __str__(self):
        return f"{self.user} · {self.unit} ({self.get_role_display()})"


# The classification of heads when a year has none configured: Vietnamese data (the words of the
# provinces' decisions), not interface text, so they are neither translated nor hard-coded in
# pages. Each is (name, lowest value that earns it); the last has no lower bound.
DEFAULT_HEAD_RATINGS = (
    ("Hoàn thành xuất sắc nhiệm vụ", Decimal(90)),
    ("Hoàn thành tốt nhiệm vụ", Decimal(80)),
    ("Hoàn thành nhiệm vụ", Decimal(70)),
    ("Không hoàn thành nhiệm vụ", None),
)


class HeadRating(models.Model):
    """A classification a unit's head earns in a year by his unit's value: its name and the lowest value for it."""

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=128)
    min_value = precise_decimal(
        _("from (inclusive)"), null=True, blank=True, help_text=_("Empty for the lowest classification.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("head rating")
        verbose_name_plural = _("head ratings")
        ordering = ["-year", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="headrating_unique_name"),
            models.UniqueConstraint(fields=["year", "min_value"], name="headrating_unique_threshold"),
            # Two floors would make "below every threshold" ambiguous.
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(min_value__isnull=True),
                name="headrating_one_floor",
                violation_error_message=_("A year has at most one classification without a lower bound."),
            ),
            models.CheckConstraint(condition=Q(year__gte=1990) & Q(year__lte=2100), name="headrating_year_in_range"),
        ]

    def __str__(self):
        return f"{self.name} ({self.year})"
