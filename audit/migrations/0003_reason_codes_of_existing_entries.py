"""The reasons our code wrote as text before audit.reasons, in English or Vietnamese (whichever
language was active when they were written), become codes with their parameters, so they read in
the reader's language like the new ones. A reason that matches none of the three messages is a
person's words and is left as it is."""

import re

from django.db import migrations

BATCH = 1000

# (code, action, [(pattern in English, in Vietnamese)], the params' integers); the publication's
# pattern keeps the decision's reference, the person's part, in the reason.
PATTERNS = [
    (
        "units.admin_import",
        ("unit.import", "unitlineage.import"),
        [r"^administrative units from (?P<source>.+)$", r"^đơn vị hành chính theo (?P<source>.+)$"],
        (),
    ),
    (
        "units.moved",
        ("unit.move",),
        [
            r"^moved by an import with moves allowed; (?P<losing>\d+) user\(s\) lose sight of it, (?P<gaining>\d+) gain it$",
            r"^chuyển bởi lần nhập có cho phép chuyển đơn vị; (?P<losing>\d+) người dùng mất quyền xem, "
            r"(?P<gaining>\d+) người dùng được quyền xem$",
        ],
        ("losing", "gaining"),
    ),
    (
        "assessments.published_without",
        ("assessment.publish",),
        [
            r"^(?P<reference>.*) · Published without the units that have no complete appraised result "
            r"\((?P<count>\d+)\): (?P<codes>.*)\.$",
            r"^(?P<reference>.*) · Công bố khi còn (?P<count>\d+) đơn vị chưa có kết quả thẩm định đầy đủ: (?P<codes>.*)\.$",
        ],
        ("count",),
    ),
]

# What the reverse writes back: the English text.
ENGLISH = {
    "units.admin_import": "administrative units from %(source)s",
    "units.moved": "moved by an import with moves allowed; %(losing)d user(s) lose sight of it, %(gaining)d gain it",
    "assessments.published_without": (
        "Published without the units that have no complete appraised result (%(count)d): %(codes)s."
    ),
}


def to_codes(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    for code, actions, patterns, integers in PATTERNS:
        compiled = [re.compile(pattern, re.DOTALL) for pattern in patterns]
        changed = []
        rows = AuditEntry.objects.filter(action__in=actions, reason_code="").exclude(reason="")
        for entry in rows.only("pk", "reason").iterator(chunk_size=BATCH):
            match = next((m for m in (p.match(entry.reason) for p in compiled) if m), None)
            if match is None:
                continue
            params = match.groupdict()
            entry.reason = params.pop("reference", "")
            entry.reason_params = {key: int(value) if key in integers else value for key, value in params.items()}
            entry.reason_code = code
            changed.append(entry)
            if len(changed) == BATCH:
                AuditEntry.objects.bulk_update(changed, ["reason", "reason_code", "reason_params"])
                changed = []
        AuditEntry.objects.bulk_update(changed, ["reason", "reason_code", "reason_params"], batch_size=BATCH)


def to_text(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    changed = []
    for entry in AuditEntry.objects.filter(reason_code__in=ENGLISH).iterator(chunk_size=BATCH):
        message = ENGLISH[entry.reason_code] % entry.reason_params
        entry.reason = f"{entry.reason} · {message}" if entry.reason else message
        entry.reason_code, entry.reason_params = "", {}
        changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["reason", "reason_code", "reason_params"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_reason_code")]

    operations = [migrations.RunPython(to_codes, to_text)]
