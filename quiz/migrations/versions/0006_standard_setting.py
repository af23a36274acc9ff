"""standard setting: modified-Angoff panels (studies, raters, ratings) and the exam's pass-mark method

Existing exams keep their fixed pass mark (``pass_mark_method`` 'fixed').

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pass_mark_method", sa.String(length=20), server_default="fixed",
                                      nullable=False))
    op.create_table(
        "standard_setting_studies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("round2_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["exam_id"], ["exams.id"], name=op.f("fk_standard_setting_studies_exam_id_exams"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["opened_by"], ["users.id"],
                                name=op.f("fk_standard_setting_studies_opened_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_setting_studies")),
    )
    with op.batch_alter_table("standard_setting_studies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_standard_setting_studies_exam_id"), ["exam_id"], unique=False)
    op.create_table(
        "standard_setting_raters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_round", sa.Integer(), nullable=False),
        sa.Column("min_cut", sa.Float(), nullable=True),
        sa.Column("max_cut", sa.Float(), nullable=True),
        sa.Column("min_fail", sa.Float(), nullable=True),
        sa.Column("max_fail", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["study_id"], ["standard_setting_studies.id"],
                                name=op.f("fk_standard_setting_raters_study_id_standard_setting_studies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_standard_setting_raters_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by"], ["users.id"],
                                name=op.f("fk_standard_setting_raters_invited_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_setting_raters")),
        sa.UniqueConstraint("study_id", "user_id", name=op.f("uq_standard_setting_raters_study_id")),
    )
    with op.batch_alter_table("standard_setting_raters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_standard_setting_raters_study_id"), ["study_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_standard_setting_raters_user_id"), ["user_id"], unique=False)
    op.create_table(
        "standard_setting_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("question_version_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["standard_setting_studies.id"],
                                name=op.f("fk_standard_setting_ratings_study_id_standard_setting_studies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rater_id"], ["users.id"], name=op.f("fk_standard_setting_ratings_rater_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"],
                                name=op.f("fk_standard_setting_ratings_question_id_questions")),
        sa.ForeignKeyConstraint(["question_version_id"], ["question_versions.id"],
                                name=op.f("fk_standard_setting_ratings_question_version_id_question_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_setting_ratings")),
        sa.UniqueConstraint("study_id", "round", "rater_id", "question_id",
                            name=op.f("uq_standard_setting_ratings_study_id")),
    )
    with op.batch_alter_table("standard_setting_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_standard_setting_ratings_study_id"), ["study_id"], unique=False)


def downgrade() -> None:
    op.drop_table("standard_setting_ratings")
    op.drop_table("standard_setting_raters")
    op.drop_table("standard_setting_studies")
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.drop_column("pass_mark_method")
