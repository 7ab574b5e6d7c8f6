"""The score rules of 0002 (a score within its criterion's maximum, its criterion in its assessment's
methodology) checked once per statement on PostgreSQL, over the rows the statement wrote, instead of
once per row before it is written.

The row trigger ran two look-ups in PL/pgSQL for every row, and an import's upsert (INSERT … ON
CONFLICT DO UPDATE) fired it twice for every stored score it changed, once as the insert it tried
and once as the update: 100,000 changed scores took 3.9 s with it, 2.1 s with the statement
triggers, 2.2 s with none (bench database, load 3). A statement that breaks a rule is refused as
before, with the same SQLSTATE (check_violation) and message, so nothing of it is stored.

PostgreSQL lets a trigger with transition tables fire on one event only: one for inserts, one for
updates (an upsert fires both, each with the rows it inserted or updated). SQLite keeps its row
triggers: it has no statement triggers.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "DROP TRIGGER IF EXISTS indicators_score_check ON indicators_score",
    "DROP FUNCTION IF EXISTS indicators_score_check()",
    """
    CREATE FUNCTION indicators_score_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM written_scores s JOIN indicators_criterion c ON c.id = s.criterion_id
            WHERE s.self_score > c.max_points OR s.final_score > c.max_points
        ) THEN
            RAISE EXCEPTION 'score_within_max: a score is above its criterion''s maximum'
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (
            SELECT 1 FROM written_scores s
            JOIN indicators_criterion c ON c.id = s.criterion_id
            JOIN indicators_assessment a ON a.id = s.assessment_id
            WHERE c.methodology_id <> a.methodology_id
        ) THEN
            RAISE EXCEPTION 'score_criterion_in_methodology: the criterion belongs to another methodology'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER indicators_score_check_insert AFTER INSERT ON indicators_score
    REFERENCING NEW TABLE AS written_scores
    FOR EACH STATEMENT EXECUTE FUNCTION indicators_score_check()
    """,
    """
    CREATE TRIGGER indicators_score_check_update AFTER UPDATE ON indicators_score
    REFERENCING NEW TABLE AS written_scores
    FOR EACH STATEMENT EXECUTE FUNCTION indicators_score_check()
    """,
]

# 0002's row trigger, as it was.
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS indicators_score_check_insert ON indicators_score",
    "DROP TRIGGER IF EXISTS indicators_score_check_update ON indicators_score",
    "DROP FUNCTION IF EXISTS indicators_score_check()",
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
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("indicators", "0009_score_assessment_index_covered")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
