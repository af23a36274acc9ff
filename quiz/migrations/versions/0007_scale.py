"""scale: indexes for an academy of 10,000 trainees (issue 13)

* ``attempts (state, deadline_at)``: every read grades overdue exams first (``finalise_overdue``); without it
  that is a scan of all attempts on every page.
* ``attempts (user_id, started_at, id)``: a trainee's attempts in order (the attempt list, the score history,
  the cohort dashboard's per-trainee aggregates) read from the index, not sorted.
* ``attempts (exam_id, user_id, started_at, id)``: the first finished attempt per trainee and exam (item
  analysis) is the first entry of each (exam, user) group, ordered as its window function asks.
* ``responses (attempt_id, saved_at)``: last activity per trainee (max saved_at) without visiting the rows.

The query plans measured on the synthetic academy are in bench/RESULTS.md.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_attempts_state_deadline", "attempts", ["state", "deadline_at"]),
    ("ix_attempts_user_started", "attempts", ["user_id", "started_at", "id"]),
    ("ix_attempts_exam_user_started", "attempts", ["exam_id", "user_id", "started_at", "id"]),
    ("ix_responses_attempt_saved", "responses", ["attempt_id", "saved_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
