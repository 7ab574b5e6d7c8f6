"""A small reorganisation for the history tests (issue 18): district B's communes X1 and X2 merged
into ward W on 01/07/2025, X1 itself formed in 2020 from commune X0; commune Y split between
W and ward V; their sibling S merged into V. Dossiers before the merger, and W's own after."""

import datetime

from django.contrib.auth.models import User

from dossiers.stats import dossier_stats_full
from tests.dossiers.test_stats import dossier, save, vn
from units.models import LineageKind, Membership, MembershipRole, Unit, UnitKind, UnitLineage

# The statistics are computed on 15 September 2025, after the merger.
NOW = vn(2025, 9, 15, 12, 0)
MERGED_ON = datetime.date(2025, 7, 1)
LAST_DAY = datetime.date(2025, 6, 30)


def _commune(code, name, parent, valid_from, valid_to=None):
    return Unit.objects.create(
        code=code, name=name, kind=UnitKind.COMMUNE, parent=parent, valid_from=valid_from, valid_to=valid_to
    )


def _link(predecessor, successor, date, kind=LineageKind.MERGE):
    UnitLineage.objects.create(predecessor=predecessor, successor=successor, date=date, kind=kind)


def build_reorganisation(tree, *, with_dossiers=True):
    """The units, the lineage, the ward's head and (with_dossiers) the dossiers with their
    statistics computed. Returns a namespace of them."""
    b, p = tree.district_b, tree.province
    since = datetime.date(2021, 1, 1)
    x0 = _commune("X0", "Xã Cũ", b, None, datetime.date(2019, 12, 31))
    x1 = _commune("X1", "Xã Một", b, datetime.date(2020, 1, 1), LAST_DAY)
    x2 = _commune("X2", "Xã Hai", b, since, LAST_DAY)
    y = _commune("Y", "Xã Chia", b, since, LAST_DAY)
    s = _commune("S", "Xã Bên Cạnh", b, since, LAST_DAY)
    w = _commune("W", "Phường Mới", p, MERGED_ON)
    v = _commune("V", "Phường Khác", p, MERGED_ON)
    _link(x0, x1, datetime.date(2020, 1, 1))
    _link(x1, w, MERGED_ON)
    _link(x2, w, MERGED_ON)
    _link(y, w, MERGED_ON, LineageKind.SPLIT)
    _link(y, v, MERGED_ON, LineageKind.SPLIT)
    _link(s, v, MERGED_ON)
    head_w = User.objects.create_user(username="head_w", password="correct horse battery staple")
    Membership.objects.create(user=head_w, unit=w, role=MembershipRole.HEAD)
    units = {"x0": x0, "x1": x1, "x2": x2, "y": y, "s": s, "w": w, "v": v, "head_w": head_w, "tree": tree}
    if with_dossiers:
        _dossiers(units)
    return type("Reorganisation", (), units)


def _dossiers(u):
    save(
        # X0, before it became part of X1: one late in June 2019.
        dossier(u["x0"], vn(2019, 6, 3, 8), vn(2019, 6, 10, 17), completed_at=vn(2019, 6, 20, 17)),
        # X1: April one on time (online) and one late; one received in May never completed (overdue).
        dossier(u["x1"], vn(2025, 4, 2, 8), vn(2025, 4, 10, 17), completed_at=vn(2025, 4, 9, 17), channel="online"),
        dossier(u["x1"], vn(2025, 4, 3, 8), vn(2025, 4, 8, 17), completed_at=vn(2025, 4, 12, 17)),
        dossier(u["x1"], vn(2025, 5, 5, 8), vn(2025, 5, 15, 17)),
        # X2: April one on time online; May three on time (one online); June one late.
        dossier(u["x2"], vn(2025, 4, 20, 8), vn(2025, 4, 25, 17), completed_at=vn(2025, 4, 24, 17), channel="online"),
        dossier(u["x2"], vn(2025, 5, 2, 8), vn(2025, 5, 9, 17), completed_at=vn(2025, 5, 8, 17)),
        dossier(u["x2"], vn(2025, 5, 3, 8), vn(2025, 5, 9, 17), completed_at=vn(2025, 5, 7, 17)),
        dossier(u["x2"], vn(2025, 5, 4, 8), vn(2025, 5, 10, 17), completed_at=vn(2025, 5, 9, 17), channel="online"),
        dossier(u["x2"], vn(2025, 6, 2, 8), vn(2025, 6, 5, 17), completed_at=vn(2025, 6, 20, 17)),
        # Y (split between W and V): June, on time. Not W's alone, so never added to W's months.
        dossier(u["y"], vn(2025, 6, 3, 8), vn(2025, 6, 10, 17), completed_at=vn(2025, 6, 9, 17)),
        # S (merged into V): a sibling of X1 and X2 in the old district.
        dossier(u["s"], vn(2025, 5, 6, 8), vn(2025, 5, 8, 17), completed_at=vn(2025, 5, 20, 17)),
        # W's own, after the merger: July on time online, August late.
        dossier(u["w"], vn(2025, 7, 3, 8), vn(2025, 7, 10, 17), completed_at=vn(2025, 7, 9, 17), channel="online"),
        dossier(u["w"], vn(2025, 8, 3, 8), vn(2025, 8, 8, 17), completed_at=vn(2025, 8, 15, 17)),
        now=NOW,
    )
    dossier_stats_full(now=NOW)
