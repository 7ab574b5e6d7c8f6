"""Database triggers for the two score rules a CHECK constraint cannot express, because they
look at another table: a score may not exceed its criterion's maximum, and a score's criterion
must belong to its assessment's methodology. Lowering a maximum below a recorded score is
refused too, and so is moving a scored assessment or criterion to another methodology (which
would break the second rule from the other side). Imports and bulk writes that bypass model validation still cannot store them.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER indicators_score_check_insert BEFORE INSERT ON indicators_score
    BEGIN
        SELECT RAISE(ABORT, 'score_within_max: a score is above its criterion''s maximum')
        WHERE CAST(NEW.self_score AS REAL) > (SELECT CAST(max_points AS REAL) FROM indicators_criterion WHERE id = NEW.criterion_id)
           OR CAST(NEW.final_score AS REAL) > (SELECT CAST(max_points AS REAL) FROM indicators_criterion WHERE id = NEW.criterion_id);
        SELECT RAISE(ABORT, 'score_criterion_in_methodology: the criterion belongs to another methodology')
        WHERE (SELECT methodology_id FROM indicators_criterion WHERE id = NEW.criterion_id)
           <> (SELECT methodology_id FROM indicators_assessment WHERE id = NEW.assessment_id);
    END
    """,
    """
    CREATE TRIGGER indicators_score_check_update BEFORE UPDATE ON indicators_score
    BEGIN
        SELECT RAISE(ABORT, 'score_within_max: a score is above its criterion''s maximum')
        WHERE CAST(NEW.self_score AS REAL) > (SELECT CAST(max_points AS REAL) FROM indicators_criterion WHERE id = NEW.criterion_id)
           OR CAST(NEW.final_score AS REAL) > (SELECT CAST(max_points AS REAL) FROM indicators_criterion WHERE id = NEW.criterion_id);
        SELECT RAISE(ABORT, 'score_criterion_in_methodology: the criterion belongs to another methodology')
        WHERE (SELECT methodology_id FROM indicators_criterion WHERE id = NEW.criterion_id)
           <> (SELECT methodology_id FROM indicators_assessment WHERE id = NEW.assessment_id);
    END
    """,
    """
    CREATE TRIGGER indicators_criterion_max_covers_scores BEFORE UPDATE OF max_points ON indicators_criterion
    BEGIN
        SELECT RAISE(ABORT, 'criterion_max_covers_scores: a recorded score is above the new maximum')
        WHERE EXISTS (
            SELECT 1 FROM indicators_score
            WHERE criterion_id = NEW.id
              AND (CAST(self_score AS REAL) > CAST(NEW.max_points AS REAL)
                   OR CAST(final_score AS REAL) > CAST(NEW.max_points AS REAL))
        );
    END
    """,
]
SQLITE_FORWARD += [
    """
    CREATE TRIGGER indicators_assessment_keeps_methodology BEFORE UPDATE OF methodology_id ON indicators_assessment
    BEGIN
        SELECT RAISE(ABORT, 'score_criterion_in_methodology: the assessment has scores on another methodology''s criteria')
        WHERE EXISTS (
            SELECT 1 FROM indicators_score s JOIN indicators_criterion c ON c.id = s.criterion_id
            WHERE s.assessment_id = NEW.id AND c.methodology_id <> NEW.methodology_id
        );
    END
    """,
    """
    CREATE TRIGGER indicators_criterion_keeps_methodology BEFORE UPDATE OF methodology_id ON indicators_criterion
    BEGIN
        SELECT RAISE(ABORT, 'score_criterion_in_methodology: the criterion has scores in another methodology''s assessments')
        WHERE EXISTS (
            SELECT 1 FROM indicators_score s JOIN indicators_assessment a ON a.id = s.assessment_id
            WHERE s.criterion_id = NEW.id AND a.methodology_id <> NEW.methodology_id
        );
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS indicators_assessment_keeps_methodology",
    "DROP TRIGGER IF EXISTS indicators_criterion_keeps_methodology",
    "DROP TRIGGER IF EXISTS indicators_score_check_insert",
    "DROP TRIGGER IF EXISTS indicators_score_check_update",
    "DROP TRIGGER IF EXISTS indicators_criterion_max_covers_scores",
]

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION indicators_score_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        criterion_max numeric;
        criterion_methodology bigint;
        assessment_methodology bigint;
    BEGIN
        SELECT max_points, methodology_id INTO criterion_max, criterion_methodology
          FROM indicators_criterion WHERE id = NEW.criterion_id;
        SELECT methodology_id INTO assessment_methodology
          FROM indicators_assessment WHERE id = NEW.assessment_id;
        IF NEW.self_score > criterion_max OR NEW.final_score > criterion_max THEN
            RAISE EXCEPTION 'score_within_max: a score is above its criterion''s maximum'
                USING ERRCODE = 'check_violation';
        END IF;
        IF criterion_methodology <> assessment_methodology THEN
            RAISE EXCEPTION 'score_criterion_in_methodology: the criterion belongs to another methodology'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER indicators_score_check BEFORE INSERT OR UPDATE ON indicators_score
    FOR EACH ROW EXECUTE FUNCTION indicators_score_check()
    """,
    """
    CREATE FUNCTION indicators_criterion_max_covers_scores() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM indicators_score
            WHERE criterion_id = NEW.id AND (self_score > NEW.max_points OR final_score > NEW.max_points)
        ) THEN
            RAISE EXCEPTION 'criterion_max_covers_scores: a recorded score is above the new maximum'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER indicators_criterion_max_covers_scores BEFORE UPDATE OF max_points ON indicators_criterion
    FOR EACH ROW EXECUTE FUNCTION indicators_criterion_max_covers_scores()
    """,
]
POSTGRES_FORWARD += [
    """
    CREATE FUNCTION indicators_assessment_keeps_methodology() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM indicators_score s JOIN indicators_criterion c ON c.id = s.criterion_id
            WHERE s.assessment_id = NEW.id AND c.methodology_id <> NEW.methodology_id
        ) THEN
            RAISE EXCEPTION 'score_criterion_in_methodology: the assessment has scores on another methodology''s criteria'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER indicators_assessment_keeps_methodology BEFORE UPDATE OF methodology_id ON indicators_assessment
    FOR EACH ROW EXECUTE FUNCTION indicators_assessment_keeps_methodology()
    """,
    """
    CREATE FUNCTION indicators_criterion_keeps_methodology() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM indicators_score s JOIN indicators_assessment a ON a.id = s.assessment_id
            WHERE s.criterion_id = NEW.id AND a.methodology_id <> NEW.methodology_id
        ) THEN
            RAISE EXCEPTION 'score_criterion_in_methodology: the criterion has scores in another methodology''s assessments'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER indicators_criterion_keeps_methodology BEFORE UPDATE OF methodology_id ON indicators_criterion
    FOR EACH ROW EXECUTE FUNCTION indicators_criterion_keeps_methodology()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS indicators_criterion_keeps_methodology ON indicators_criterion",
    "DROP FUNCTION IF EXISTS indicators_criterion_keeps_methodology()",
    "DROP TRIGGER IF EXISTS indicators_assessment_keeps_methodology ON indicators_assessment",
    "DROP FUNCTION IF EXISTS indicators_assessment_keeps_methodology()",
    "DROP TRIGGER IF EXISTS indicators_criterion_max_covers_scores ON indicators_criterion",
    "DROP FUNCTION IF EXISTS indicators_criterion_max_covers_scores()",
    "DROP TRIGGER IF EXISTS indicators_score_check ON indicators_score",
    "DROP FUNCTION IF EXISTS indicators_score_check()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRES_FORWARD, POSTGRES_BACKWARD),
}


def _run(schema_editor, direction):
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise NotImplementedError(f"reformdash's score triggers are written for SQLite and PostgreSQL, not {vendor}.")
    for statement in STATEMENTS[vendor][direction]:
        schema_editor.execute(statement, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, 0)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
