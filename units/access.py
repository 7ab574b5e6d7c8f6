"""Who may see what and do what: the one module that decides (issue 16).

Roles. Administrators are superusers. Sở Nội vụ staff and appraisers work across every unit, so
they are Django groups rather than unit memberships: staff read every unit; appraisers read every
unit, import files and appraise scores. Everyone else is a member of some units (head, officer or
viewer) and sees those units and everything under them; a unit's own head and officers enter its
self-assessment and browse its audit trail. An inactive or anonymous user may do nothing.
Remediation plans (issue 20): a unit's head and officers write them (EDIT_PLAN), whoever sees the
unit reads them, Sở Nội vụ staff review them (REVIEW_PLAN).

History across a reorganisation (issue 18: VIEW_HISTORY). A unit's predecessors (UnitLineage,
followed back through every merge, split or rename: a ward of 2025 formed from communes that were
themselves merged in 2020) are its past, so whoever sees the unit reads their history with it —
the head of a new ward reads the results (value, rank, group size) and monthly dossier counts of
the communes it was formed from, on his ward's scorecard. Only that history, and only of the
predecessors: not their own cards (audit trail, dossier lists, heads: VIEW_UNIT stays as it was),
not their parent (the abolished district), not their siblings. A split's old unit is the past of
each of its successors, so each successor's members read its history.

Two questions, asked by every view, service, template and the admin site:
- which units may this user see: units_visible_to, visible_unit_or_404, sees_all_units (and, as
  a cache key's part, visible_units_key);
- may this user do ACTION (on UNIT): may(user, Action.X, unit), units_allowed(user=..., action=...).
The header's links come from header_links (one query), kept in the session from the login on.

What is not here: the assessment workflow's statuses (which status an action moves from and to,
assessments' workflow module) and the public-rankings switch (indicators.selectors.results_readable_q,
published results to anyone), which only widen what these rules give.
"""

import enum
import hashlib
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from reformdash.lib.nav import nav_flag, nav_flag_remember
from units.models import Membership, MembershipRole, Unit, UnitLineage

STAFF_GROUP = "staff"
APPRAISER_GROUP = "appraiser"
PROVINCE_WIDE_GROUPS = {
    STAFF_GROUP: _("Department of Home Affairs staff: read every unit"),
    APPRAISER_GROUP: _("Appraisers: read every unit, enter and appraise scores"),
}
# What a page tells a reader whose link (shared by someone who sees more) names a group he may
# not see: he is shown his own group instead, never the other (indicators.forms.group_form, the
# dossier ranking), and never a form error.
FOREIGN_GROUP_NOTICE = _("The link points to a group you may not see; showing the group of your unit.")
# A unit's own head and officers score it and browse its trail; a viewer only reads its results.
# A parent unit's head oversees the units under him: he sees them, he does not score them.
SCORING_ROLES = (MembershipRole.OFFICER, MembershipRole.HEAD)


class Action(enum.StrEnum):
    """What a user may be allowed to do; the ones marked "on a unit" need the unit."""

    VIEW_UNIT = "view_unit"  # on a unit: see it and its data (units_visible_to)
    VIEW_HISTORY = "view_history"  # on a unit: read its results and dossier counts as the past of a unit he sees
    ENTER_SELF_ASSESSMENT = "enter_self_assessment"  # on a unit: start, fill in and submit its self-assessment
    APPRAISE = "appraise"  # set final scores, return or accept a submitted assessment
    PUBLISH = "publish"  # publish a methodology's appraised assessments (and see the counts by status)
    REOPEN = "reopen"  # reopen a published assessment
    IMPORT = "import"  # the browser imports: upload, confirm, every run
    BROWSE_AUDIT = "browse_audit"  # open the audit trail (what it lists is cut by units_visible_to)
    USE_WORKLIST = "use_worklist"  # the self-assessment / appraisal worklist
    ADMINISTER = "administer"  # Django's admin
    MOVE_UNITS = "move_units"  # give existing units another parent by an import (changes who sees them)
    EDIT_PLAN = "edit_plan"  # on a unit: write its remediation plans and follow their actions (issue 20)
    REVIEW_PLAN = "review_plan"  # accept or return a unit's submitted remediation plan


UNIT_ACTIONS = {Action.VIEW_UNIT, Action.VIEW_HISTORY, Action.ENTER_SELF_ASSESSMENT, Action.EDIT_PLAN}
# Superusers only. Appraisers carry is_staff, which alone would let Django's admin in: the admin
# edits scores, results and users past the workflow's checks, so it is not theirs.
ADMIN_ACTIONS = {Action.ADMINISTER, Action.PUBLISH, Action.REOPEN, Action.MOVE_UNITS}


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def _groups(user):
    """The province-wide groups the user is in, as a frozenset; one query, memoised on the user for
    the request (every page asks, through sees_all_units)."""
    if not hasattr(user, "_access_groups"):
        user._access_groups = frozenset(
            user.groups.filter(name__in=PROVINCE_WIDE_GROUPS).values_list("name", flat=True)
        )
    return user._access_groups


def sees_all_units(user):
    """True for administrators, staff and appraisers; no query for a superuser, one at most else."""
    if not _active(user):
        return False
    return user.is_superuser or bool(_groups(user))


def is_appraiser(user):
    """In the appraisers' group. Administrators are not appraisers by being superusers: they
    publish and reopen, the council appraises."""
    return _active(user) and APPRAISER_GROUP in _groups(user)


def _subtree_cte(seed_sql):
    # One recursive query, the same on SQLite and PostgreSQL, walks down from the seed's units.
    # UNION (not UNION ALL) stops at rows already seen, so even a cycle in bad data ends.
    return (
        f"visible(id) AS ("
        f" {seed_sql}"
        f" UNION"
        f" SELECT child.id FROM {Unit._meta.db_table} child JOIN visible ON child.parent_id = visible.id"
        f")"
    )


def _subtree_sql(seed_sql):
    return f"WITH RECURSIVE {_subtree_cte(seed_sql)} SELECT id FROM visible"


def _past_cte(seed_sql):
    # The seed's units and every unit they succeeded, walked back through the lineage links;
    # UNION stops at rows already seen, as in _subtree_cte.
    return (
        f"past(id) AS ("
        f" {seed_sql}"
        f" UNION"
        f" SELECT link.predecessor_id FROM {UnitLineage._meta.db_table} link JOIN past ON link.successor_id = past.id"
        f")"
    )


def _member_subtree_sql():
    return _subtree_sql(f"SELECT unit_id FROM {Membership._meta.db_table} WHERE user_id = %s")


def units_with_predecessors(*, units, queryset=None):
    """The units of `queryset` (every unit by default) that are one of `units` (a Unit queryset) or
    a predecessor of one of them, at any depth (UnitLineage): the units with their past."""
    queryset = Unit.objects.all() if queryset is None else queryset
    seed_sql, params = units.order_by().values("pk").query.sql_with_params()
    return queryset.filter(id__in=RawSQL(f"WITH RECURSIVE {_past_cte(seed_sql)} SELECT id FROM past", params))


def units_in_subtrees(*, roots, queryset=None):
    """The units of `queryset` (every unit by default) that are one of `roots` (a Unit queryset) or
    under one of them, at any depth: the same walk down the tree as units_visible_to's."""
    queryset = Unit.objects.all() if queryset is None else queryset
    seed_sql, params = roots.order_by().values("pk").query.sql_with_params()
    return queryset.filter(id__in=RawSQL(_subtree_sql(seed_sql), params))


def unit_ancestors(*, unit_id, known=None):
    """The units above the unit (its parent, the parent's parent, …) as dicts of pk, code, name and
    parent_id, nearest first: the units whose members see it (units_visible_to). The chain is short
    (province → district → commune), one query a level; `known` (a dict the caller keeps while the
    tree does not change) spares the levels already read. A cycle in bad data ends the walk."""
    known = {} if known is None else known
    chain, seen = [], {unit_id}
    current = Unit.objects.filter(pk=unit_id).values_list("parent_id", flat=True).first()
    while current is not None and current not in seen:
        seen.add(current)
        if current not in known:
            known[current] = Unit.objects.filter(pk=current).values("pk", "code", "name", "parent_id").first()
        row = known[current]
        if row is None:
            break
        chain.append(row)
        current = row["parent_id"]
    return chain


def _members_seeing_through(unit_ids):
    # The members whose sight of the units under these depends on the membership: active, and not
    # province-wide (those see every unit wherever it hangs).
    return (
        Membership.objects.filter(unit_id__in=unit_ids, user__is_active=True, user__is_superuser=False)
        .exclude(user__groups__name__in=PROVINCE_WIDE_GROUPS)
        .order_by()
    )


def members_count_by_unit(*, unit_ids):
    """{unit id: how many users see the units under it by being its members}; units with none are left out."""
    rows = _members_seeing_through(unit_ids).values("unit_id").annotate(users=Count("user_id", distinct=True))
    return {row["unit_id"]: row["users"] for row in rows}


def members_seeing_through(*, unit_ids):
    """The ids of the users who see the units under these units by being members of one of them."""
    return set(_members_seeing_through(unit_ids).values_list("user_id", flat=True))


def _tree_pairs(ids, *, upward):
    """(seed id, unit id) for each of `ids` with itself and every unit above it (upward) or under
    it, at any depth, in one recursive query; UNION stops at pairs already seen, as in
    _subtree_cte, so even a cycle in bad data ends."""
    ids = list(ids)
    if not ids:
        return []
    table = Unit._meta.db_table
    if upward:
        step = f"SELECT walk.seed_id, u.parent_id FROM walk JOIN {table} u ON u.id = walk.unit_id WHERE u.parent_id IS NOT NULL"
    else:
        step = f"SELECT walk.seed_id, u.id FROM {table} u JOIN walk ON u.parent_id = walk.unit_id"
    sql = (
        f"WITH RECURSIVE walk(seed_id, unit_id) AS ("
        f" SELECT id, id FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))})"
        f" UNION {step}"
        f") SELECT seed_id, unit_id FROM walk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return cursor.fetchall()


def members_seeing_units(*, unit_ids):
    """{unit id: the ids of the users who see it by being members of it or of a unit above it}
    (members_seeing_through's users), for many units in two queries: whom news of each unit (an
    alert: notifications.alerts) is for. A unit no such member sees is left out."""
    pairs = _tree_pairs(unit_ids, upward=True)
    members = defaultdict(set)
    memberships = _members_seeing_through({above_id for _, above_id in pairs}).values_list("unit_id", "user_id")
    for unit_id, user_id in memberships:
        members[unit_id].add(user_id)
    seeing = defaultdict(set)
    for unit_id, above_id in pairs:
        seeing[unit_id] |= members.get(above_id, set())
    return {unit_id: users for unit_id, users in seeing.items() if users}


def visible_pairs(*, pairs):
    """The (user id, unit id) of `pairs` in which the user may see the unit: units_visible_to's rule
    for many users at once, in three queries whatever their number (notifications.services: a
    notification is never about a unit its user may not see). Province-wide users see every unit;
    the others, the units they are members of and those under them (members_seeing_units)."""
    pairs = set(pairs)
    if not pairs:
        return set()
    everywhere = set(
        get_user_model()
        .objects.filter(pk__in={user_id for user_id, _ in pairs}, is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=PROVINCE_WIDE_GROUPS))
        .values_list("pk", flat=True)
    )
    through = members_seeing_units(unit_ids={unit_id for _, unit_id in pairs})
    return {
        (user_id, unit_id) for user_id, unit_id in pairs if user_id in everywhere or user_id in through.get(unit_id, ())
    }


def unit_actors(*, action, unit_ids):
    """{unit id: the ids of the active users who may do `action` (ENTER_SELF_ASSESSMENT or
    EDIT_PLAN) on it}: units_allowed's rule asked from the units' side, for many units in one
    query (whom an alert on a unit's plan is for: notifications.alerts). Units with none are left out."""
    if action not in (Action.ENTER_SELF_ASSESSMENT, Action.EDIT_PLAN):
        raise ValueError(f"{action} is not done by a unit's own members")
    actors = defaultdict(set)
    memberships = Membership.objects.filter(
        unit_id__in=list(unit_ids), role__in=SCORING_ROLES, user__is_active=True
    ).values_list("unit_id", "user_id")
    for unit_id, user_id in memberships:
        actors[unit_id].add(user_id)
    return dict(actors)


def subtree_pairs(*, root_ids):
    """(root id, unit id) for each root and every unit at or under it: units_in_subtrees' walk
    down the tree, keeping which root each unit was reached from, so figures counted per unit are
    summed per root (a member's digest of his units: notifications.digest)."""
    return _tree_pairs(root_ids, upward=False)


def appraiser_ids():
    """The ids of the active appraisers: who acts on a submitted self-assessment."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=APPRAISER_GROUP)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def units_visible_to(*, user, queryset=None):
    """The one place that decides which units a user may see.

    Administrators, staff and appraisers see every unit; a member sees his units and everything
    under them; anyone else sees none. Every view, export, chart and API answer filters by it.
    """
    queryset = Unit.objects.all() if queryset is None else queryset
    if sees_all_units(user):
        return queryset
    if not _active(user):
        return queryset.none()
    return queryset.filter(id__in=RawSQL(_member_subtree_sql(), [user.pk]))


def visible_units_key(*, user):
    """What the user may see, as a part of a cache key shared between readers: "all" for one who
    sees every unit, "none" for one who sees none, else a digest of the ids of the units he sees
    (units_visible_to's walk, one query). Two readers with the same part see the same units
    (the officers of one unit; a member of a unit and one who is also a member of a unit under
    it); readers who see different units never have the same part. Read live: a membership added or removed, or
    a unit moved under another parent, gives another part on the next request. Memoised on the
    user for the request."""
    if sees_all_units(user):
        return "all"
    if not _active(user):
        return "none"
    if not hasattr(user, "_visible_units_key"):
        with connection.cursor() as cursor:
            cursor.execute(f"{_member_subtree_sql()} ORDER BY id", [user.pk])
            ids = ",".join(str(row[0]) for row in cursor.fetchall())
        user._visible_units_key = "units:" + hashlib.sha256(ids.encode()).hexdigest()[:40]
    return user._visible_units_key


def unit_visible_q(*, user, field="unit"):
    """A Q for rows of any model whose unit (the foreign key `field`) the user may see, by the rule
    of units_visible_to, with no query of its own: for a count that must stay one query (the
    header's unread notifications). A row with no unit is not matched: add Q(field=None) for it."""
    if not _active(user):
        return Q(pk__in=[])
    if user.is_superuser or getattr(user, "_access_groups", None):
        return Q(**{f"{field}__isnull": False})
    member = Q(**{f"{field}__in": RawSQL(_member_subtree_sql(), [user.pk])})
    if hasattr(user, "_access_groups"):  # known to be in no province-wide group
        return member
    province_wide = get_user_model().groups.through.objects.filter(
        user_id=user.pk, group__name__in=PROVINCE_WIDE_GROUPS
    )
    return (Q(Exists(province_wide)) & Q(**{f"{field}__isnull": False})) | member


def visible_unit_or_404(*, user, code):
    """The unit with `code` if the user may see it; 404 otherwise, so outsiders learn nothing of it."""
    unit = units_visible_to(user=user).filter(code=code).select_related("parent").first()
    if unit is None:
        raise Http404("No such unit.")
    return unit


def unit_reader_state(*, user, unit, actions):
    """What of the reader a page of `unit` may show differently, as key parts of a copy of the page
    that readers share (the scorecard's card): two readers with the same parts may be given the
    same copy. Asked only of a reader who may open the unit (visible_unit_or_404 said so); not for
    showing.

    - His sight of the unit's group, the units of its kind under its parent (other units are named
      and the group's figures are withheld by it): "group" when he sees every unit of it — a
      reader of every unit included, whose page of the unit shows nothing more of the group —,
      else the ids of those he sees.
    - Which of `actions` (those the page offers or shows something by) he may do, on the unit
      for UNIT_ACTIONS. An action the page does not name is left out: readers who differ only by
      it (staff, who review plans, and a head of the whole group) share one copy.
    The unit's own past (VIEW_HISTORY: its predecessors) and the units under it are his whoever he
    is, since he may open the unit. Queries: his groups and memberships, each read once per request
    (the page's header asks them too), and one for his sight when he does not see every unit."""
    sight = "group" if sees_all_units(user) else _group_sight(user, unit)
    if Action.VIEW_UNIT in actions or Action.VIEW_HISTORY in actions:
        raise ValueError("seeing the unit and its past is every reader's of it")
    # The scoring roles' unit actions (units_allowed) are answered from the memberships read.
    allowed = [
        action.value
        for action in actions
        if (_scores(_memberships(user), unit.pk) if action in UNIT_ACTIONS else may(user, action))
    ]
    return ("sight", str(sight), "may", ",".join(sorted(allowed)))


def _memberships(user):
    """(unit id, role) of each of the user's memberships, as a frozenset: one query, memoised on the
    user for the request."""
    if not hasattr(user, "_access_memberships"):
        user._access_memberships = frozenset(Membership.objects.filter(user=user.pk).values_list("unit_id", "role"))
    return user._access_memberships


def _scores(memberships, unit_id):
    """units_allowed's rule for ENTER_SELF_ASSESSMENT and EDIT_PLAN, on memberships already read."""
    return any(member_of == unit_id and role in SCORING_ROLES for member_of, role in memberships)


def _group_sight(user, unit):
    """ "group" when the user sees every unit of the unit's kind under its parent, else the sorted
    ids of those he sees (units_visible_to's rule for a member). One query."""
    parent = "g.parent_id IS NULL" if unit.parent_id is None else "g.parent_id = %s"
    sql = f"SELECT g.id, g.id IN ({_member_subtree_sql()}) FROM {Unit._meta.db_table} g WHERE g.kind = %s AND {parent}"
    params = [user.pk, unit.kind] + ([] if unit.parent_id is None else [unit.parent_id])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    seen = sorted(unit_id for unit_id, visible in rows if visible)
    return "group" if len(seen) == len(rows) else seen


def units_allowed(*, user, action, queryset=None):
    """The units on which the user may do a unit action (UNIT_ACTIONS), as a queryset."""
    queryset = Unit.objects.all() if queryset is None else queryset
    if action == Action.VIEW_UNIT:
        return units_visible_to(user=user, queryset=queryset)
    if action == Action.VIEW_HISTORY:
        if sees_all_units(user):
            return queryset
        if not _active(user):
            return queryset.none()
        return units_with_predecessors(units=units_visible_to(user=user), queryset=queryset)
    if action in (Action.ENTER_SELF_ASSESSMENT, Action.EDIT_PLAN):
        if not _active(user):
            return queryset.none()
        # The unit's own officers and head only, whoever else may see it: they answer for its
        # points, so they score it and write its remediation plans.
        return queryset.filter(memberships__user=user, memberships__role__in=SCORING_ROLES)
    raise ValueError(f"{action} is not done on a unit")


def may(user, action, unit=None):
    """Whether the user may do `action`; on `unit` (a Unit or its id) for the actions in UNIT_ACTIONS."""
    action = Action(action)
    if not _active(user):
        return False
    if action in UNIT_ACTIONS:
        if unit is None:
            raise ValueError(f"{action} needs a unit")
        unit_id = getattr(unit, "pk", unit)
        return units_allowed(user=user, action=action, queryset=Unit.objects.filter(pk=unit_id)).exists()
    if action in ADMIN_ACTIONS:
        return user.is_superuser
    if action == Action.APPRAISE:
        return is_appraiser(user)
    if action == Action.IMPORT:
        # Appraisers and administrators; staff read only, unit heads and officers do not import.
        return user.is_superuser or is_appraiser(user)
    if action == Action.REVIEW_PLAN:
        # Sở Nội vụ staff follow the units' remediation (issue 20); administrators may stand in.
        return user.is_superuser or STAFF_GROUP in _groups(user)
    if action == Action.USE_WORKLIST:
        return header_links(user)["worklist"]
    if action == Action.BROWSE_AUDIT:
        return header_links(user)["audit"]
    raise ValueError(f"unknown action {action}")


# --- the header's links ---------------------------------------------------------------------------

# Which header flags the session keeps from the login on (reformdash.lib.nav): those that would
# otherwise cost a membership query on every page. The keys are those the flags had before
# issue 16, so sessions opened before still hold them.
WORKLIST_SESSION_KEY = "assessments_nav"
AUDIT_SESSION_KEY = "audit_nav"
SESSION_FLAGS = {"worklist": WORKLIST_SESSION_KEY, "audit": AUDIT_SESSION_KEY}


def header_links(user):
    """Every header flag at once, as a dict: worklist (administrators, province-wide staff and
    appraisers, members of a unit), import, audit (province-wide users, a unit's head or officer),
    administer. No query for an administrator, one for anyone else (his memberships when his
    groups are known already); memoised on the user for the request."""
    if not _active(user):
        return {"worklist": False, "import": False, "audit": False, "administer": False}
    if user.is_superuser:
        return {"worklist": True, "import": True, "audit": True, "administer": True}
    if not hasattr(user, "_header_links"):
        if hasattr(user, "_access_groups"):
            # The groups are read (sees_all_units asked): his memberships' roles are all that is left.
            roles = {role for _unit, role in _memberships(user)}
            row = {
                "staff": STAFF_GROUP in user._access_groups,
                "appraiser": APPRAISER_GROUP in user._access_groups,
                "member": bool(roles),
                "scorer": bool(roles & set(SCORING_ROLES)),
            }
        else:
            memberships = Membership.objects.filter(user=OuterRef("pk"))
            groups = get_user_model().groups.through.objects.filter(user=OuterRef("pk"))
            row = (
                get_user_model()
                .objects.filter(pk=user.pk)
                .values(
                    staff=Exists(groups.filter(group__name=STAFF_GROUP)),
                    appraiser=Exists(groups.filter(group__name=APPRAISER_GROUP)),
                    member=Exists(memberships),
                    scorer=Exists(memberships.filter(role__in=SCORING_ROLES)),
                )
                .first()
            ) or {"staff": False, "appraiser": False, "member": False, "scorer": False}
            # The same answer sees_all_units needs: kept, so the page does not ask again.
            user._access_groups = frozenset(
                name for name, key in ((STAFF_GROUP, "staff"), (APPRAISER_GROUP, "appraiser")) if row[key]
            )
        user._header_links = {
            # Staff follow every unit's assessments (read only: the worklist's province-wide list).
            "worklist": row["staff"] or row["appraiser"] or row["member"],
            "import": row["appraiser"],
            "audit": row["staff"] or row["appraiser"] or row["scorer"],
            "administer": False,
        }
    return user._header_links


def remember_header_links(sender, request, user, **kwargs):
    """user_logged_in receiver (units.apps): the session flags, worked out once at login."""
    links = header_links(user)
    for flag, key in SESSION_FLAGS.items():
        nav_flag_remember(request, key, lambda _user, flag=flag: links[flag], user)


def header_links_of(request):
    """The header flags for the request's user: the session flags from the session (worked out for
    a session from before them), import and administer asked live (no query beyond the groups the
    page asks anyway), as they were before."""
    user = getattr(request, "user", None)
    links = {
        flag: nav_flag(request, key, lambda u, flag=flag: header_links(u)[flag]) for flag, key in SESSION_FLAGS.items()
    }
    links["import"] = user is not None and may(user, Action.IMPORT)
    links["administer"] = user is not None and may(user, Action.ADMINISTER)
    return links
