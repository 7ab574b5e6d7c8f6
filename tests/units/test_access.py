"""units.access, the one module that decides who may see and do what: may() for every action and
every role, the header's flags agreeing with it, and no access decision anywhere else in the code."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User

from units.access import (
    APPRAISER_GROUP,
    UNIT_ACTIONS,
    Action,
    header_links,
    may,
    sees_all_units,
    unit_reader_state,
)
from units.models import Membership, MembershipRole, Unit, UnitKind

ROLES = (
    "anonymous",
    "inactive",
    "outsider",
    "staff",
    "appraiser",
    "head_a",
    "officer_a",
    "viewer_a",
    "head_b",
    "admin",
)


def _member(username, unit, role):
    user = User.objects.create_user(username=username, password="correct horse battery staple")
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def cast(tree, staff, appraiser, head_a, head_b, admin_user, outsider):
    # Every right a user can hold, and inactive: he may do nothing all the same.
    inactive = User.objects.create_superuser(
        username="inactive", password="correct horse battery staple", is_active=False
    )
    inactive.groups.add(Group.objects.get_or_create(name=APPRAISER_GROUP)[0])
    Membership.objects.create(user=inactive, unit=tree.dept_a, role=MembershipRole.HEAD)
    return {
        "anonymous": AnonymousUser(),
        "inactive": inactive,
        "outsider": outsider,
        "staff": staff,
        "appraiser": appraiser,
        "head_a": head_a,
        "officer_a": _member("officer_a", tree.dept_a, MembershipRole.OFFICER),
        "viewer_a": _member("viewer_a", tree.dept_a, MembershipRole.VIEWER),
        "head_b": head_b,
        "admin": admin_user,
    }


def allowed(*roles):
    return {role: role in roles for role in ROLES}


# Action → who may do it; the unit actions are asked on department A.
MATRIX = {
    Action.VIEW_UNIT: allowed("staff", "appraiser", "head_a", "officer_a", "viewer_a", "admin"),
    # A unit's history: whoever sees it (its predecessors' history: tests/units/test_history_access.py).
    Action.VIEW_HISTORY: allowed("staff", "appraiser", "head_a", "officer_a", "viewer_a", "admin"),
    # The unit's own officers and head: not an administrator, an appraiser nor a mere viewer.
    Action.ENTER_SELF_ASSESSMENT: allowed("head_a", "officer_a"),
    # Remediation plans (issue 20): the unit's head and officers write them, the staff review them.
    Action.EDIT_PLAN: allowed("head_a", "officer_a"),
    Action.REVIEW_PLAN: allowed("staff", "admin"),
    # The appraisers' group: an administrator publishes and reopens, he does not appraise.
    Action.APPRAISE: allowed("appraiser"),
    Action.PUBLISH: allowed("admin"),
    Action.REOPEN: allowed("admin"),
    Action.ADMINISTER: allowed("admin"),
    # Moving a unit changes who sees it: administrators only, not the appraisers who import.
    Action.MOVE_UNITS: allowed("admin"),
    Action.IMPORT: allowed("appraiser", "admin"),
    # A viewer reads a unit's results, not who changed them.
    Action.BROWSE_AUDIT: allowed("staff", "appraiser", "head_a", "officer_a", "head_b", "admin"),
    # Staff only read, but follow every unit's assessments there (issue 19).
    Action.USE_WORKLIST: allowed("staff", "appraiser", "head_a", "officer_a", "viewer_a", "head_b", "admin"),
}


def test_the_matrix_names_every_action():
    assert set(MATRIX) == set(Action)


def test_may_answers_as_the_matrix_says(cast, tree):
    # One test for the whole table (the cast costs ten users): a failure shows every wrong answer.
    answers = {
        action: {role: may(cast[role], action, tree.dept_a if action in UNIT_ACTIONS else None) for role in ROLES}
        for action in Action
    }
    wrong = {
        (action, role): answers[action][role]
        for action in Action
        for role in ROLES
        if answers[action][role] != MATRIX[action][role]
    }
    assert wrong == {}


def test_a_parent_units_head_sees_the_units_under_him_but_does_not_score_them(tree, head_b):
    assert may(head_b, Action.VIEW_UNIT, tree.commune_b1)
    assert not may(head_b, Action.ENTER_SELF_ASSESSMENT, tree.commune_b1)
    assert may(head_b, Action.ENTER_SELF_ASSESSMENT, tree.district_b.pk)  # a unit's id will do
    assert not may(head_b, Action.EDIT_PLAN, tree.commune_b1)


def test_a_unit_action_needs_its_unit(head_a):
    with pytest.raises(ValueError):
        may(head_a, Action.VIEW_UNIT)


def test_the_header_links_agree_with_may(cast):
    for role in ROLES:
        user = cast[role]
        assert header_links(user) == {
            "worklist": may(user, Action.USE_WORKLIST),
            "import": may(user, Action.IMPORT),
            "audit": may(user, Action.BROWSE_AUDIT),
            "administer": may(user, Action.ADMINISTER),
        }, role


def test_the_header_links_agree_with_may_when_the_groups_are_read_first(cast):
    # A page asks sees_all_units first (visible_unit_or_404): the links then read the memberships alone.
    for role in ROLES:
        user = cast[role] if role == "anonymous" else User.objects.get(pk=cast[role].pk)
        sees_all_units(user)
        links = header_links(user)
        fresh = cast[role] if role == "anonymous" else User.objects.get(pk=cast[role].pk)
        assert links == header_links(fresh), role


def test_a_readers_state_of_a_unit_says_what_may_says(cast, tree):
    # Two readers given one copy of a page of the unit (the scorecard's card) may do the same on it.
    actions = [action for action in Action if action not in (Action.VIEW_UNIT, Action.VIEW_HISTORY)]
    for role in ("staff", "appraiser", "head_a", "officer_a", "viewer_a", "admin"):
        user = User.objects.get(pk=cast[role].pk)
        expected = {
            action.value for action in actions if may(user, action, tree.dept_a if action in UNIT_ACTIONS else None)
        }
        state = unit_reader_state(user=User.objects.get(pk=user.pk), unit=tree.dept_a, actions=actions)
        assert set(filter(None, state[state.index("may") + 1].split(","))) == expected, role


def test_a_readers_state_names_only_the_actions_the_page_shows(cast, tree):
    # Staff review plans and a unit's head does not; a page that shows only the audit trail gives
    # them one state, and the viewer, who may not browse the trail, another.
    def state(role):
        return unit_reader_state(
            user=User.objects.get(pk=cast[role].pk), unit=tree.dept_a, actions=[Action.BROWSE_AUDIT]
        )

    assert state("staff")[-1] == state("head_a")[-1] == Action.BROWSE_AUDIT.value
    assert state("viewer_a")[-1] == ""
    with pytest.raises(ValueError):
        unit_reader_state(user=cast["staff"], unit=tree.dept_a, actions=[Action.VIEW_HISTORY])


def test_a_readers_sight_of_the_units_group(cast, tree):
    Unit.objects.create(code="C", name="Huyện C", kind=UnitKind.DISTRICT, parent=tree.province)
    head_p = _member("head_p", tree.province, MembershipRole.HEAD)

    def sight(user, unit):
        state = unit_reader_state(user=User.objects.get(pk=user.pk), unit=unit, actions=())
        return state[state.index("sight") + 1]

    # A reader of every unit sees every unit of the group: his page of it is a whole-group reader's.
    assert sight(cast["staff"], tree.district_b) == "group"
    assert sight(head_p, tree.district_b) == "group"  # every district under the province
    assert sight(cast["head_b"], tree.district_b) == str([tree.district_b.pk])  # B, not C
    assert sight(cast["head_b"], tree.commune_b1) == "group"  # every commune under B
    assert sight(cast["head_a"], tree.dept_a) == "group"  # the province's only department


def test_the_header_links_cost_one_query_and_none_for_an_administrator(cast, django_assert_num_queries):
    for role in ("outsider", "staff", "appraiser", "head_a"):
        user = User.objects.get(pk=cast[role].pk)
        with django_assert_num_queries(1):
            header_links(user)
        with django_assert_num_queries(0):  # memoised for the request, and sees_all_units with it
            header_links(user)
            may(user, Action.IMPORT)
    with django_assert_num_queries(0):
        header_links(cast["admin"])


# --- no access decision outside units/access.py --------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# What decides access: the superuser flag, the province-wide groups, a membership's role.
DECISIONS = re.compile(
    r"is_superuser|create_superuser|groups\.filter|groups__name|group__name|APPRAISER_GROUP|STAFF_GROUP"
    r"|PROVINCE_WIDE_GROUPS|role__in|memberships__role|role=MembershipRole|MembershipRole\.(HEAD|OFFICER)"
)
ALLOWED_PREFIXES = (
    # The demo creates its users: the administrator, the staff and appraiser groups, the heads.
    "demo/",
    # The benchmark creates a staff user and an appraiser who read every unit, and a head.
    "bench/load.py",
)
SKIPPED_DIRS = {"tests", "migrations", ".venv", "node_modules", "var", "static", "locale"}


def _sources():
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if path.suffix not in {".py", ".html"} or not path.is_file():
            continue
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        yield relative.as_posix(), path


def test_no_access_decision_outside_units_access():
    found = []
    for name, path in _sources():
        if name == "units/access.py" or name.startswith(ALLOWED_PREFIXES):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DECISIONS.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_the_source_scan_reads_the_project():
    names = {name for name, _ in _sources()}
    assert {"units/access.py", "assessments/views.py", "templates/base.html"} <= names


# --- the header shows what header_links gives --------------------------------------------------

HEADER_HREFS = {
    "worklist": 'href="/assessments/"',
    "import": 'href="/imports/"',
    "audit": 'href="/audit/"',
    "administer": 'href="/admin/"',
}


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("staff", {"worklist", "audit"}),
        ("appraiser", {"worklist", "import", "audit"}),
        ("head_a", {"worklist", "audit"}),
        ("admin_user", {"worklist", "import", "audit", "administer"}),
        ("outsider", set()),
    ],
)
def test_the_header_shows_the_links_the_user_may_follow(client, tree, who, shown, request):
    client.force_login(request.getfixturevalue(who))
    header = client.get("/").content.decode().split("</header>")[0]
    assert {flag for flag, href in HEADER_HREFS.items() if href in header} == shown
