"""Attempts: practice, certification exams and spaced-review sessions, from start to results.

Every answer is written to the database the moment it is given, so a refresh, a logout or a lost connection
loses nothing; the view of an attempt is rebuilt from the database each time (same items, same option order,
same answers, the remaining time computed from the stored deadline).

Exams give deferred feedback: while an exam attempt is in progress its view (:class:`AttemptView`) carries no
keys, no feedback and no explanations, only what the trainee may see. The deadline is enforced here, not in
the browser: an answer after it is refused, and an overdue attempt is graded with what was saved (state
``expired``) the next time anyone looks at it (:func:`finalise_overdue`). Grading happens once: the state
change from ``in_progress`` is a compare-and-set, so a second submit (another tab, a double click) only
reads the result.

Practice and review give immediate feedback: an answer is scored when it is given and cannot be changed
afterwards. Because that feedback shows right answers, practice and review are closed while the trainee has an
exam in progress (:func:`require_no_exam_in_progress`): they cannot be started, and an open one takes no
answers, until the exam is submitted or its deadline has passed. Practice answered wrongly, and exam items
answered wrongly (after submission), go into the trainee's spaced-review schedule (:mod:`quiz.services.review`).

The parts, one concept each: :mod:`.common` (loading, locks, errors), :mod:`.views` (what pages get),
:mod:`.practice` and :mod:`.exam` (starting), :mod:`.answering`, :mod:`.sitting` (an exam page's cheap re-read
on every click), :mod:`.grading`, :mod:`.results`.
Callers use the names re-exported here: ``from quiz.services import attempts; attempts.start_exam(...)``.
"""

from quiz.services.attempts.answering import (
    attempt_view,
    go_to,
    save_answer,
    set_flag,
)
from quiz.services.attempts.common import (
    DEFAULT_REVIEW_OPTIONS,
    EXAM_LOCK_MESSAGE,
    MAX_PRACTICE_ITEMS,
    STALE_ANSWER_MESSAGE,
    DeadlinePassed,
    ExamInProgress,
    StaleAnswer,
    add_items,
    attempt_questions,
    attempt_responses,
    attempt_title,
    item_at,
    load_attempt,
    lock_user,
    now_utc,
    own_attempt,
    viewable_attempt,
)
from quiz.services.attempts.exam import (
    current_exam_attempt,
    exam_statuses,
    start_exam,
)
from quiz.services.attempts.grading import (
    finalise_overdue,
    require_no_exam_in_progress,
)
from quiz.services.attempts.practice import (
    start_practice,
    start_review,
    start_review_session,
)
from quiz.services.attempts.results import (
    in_progress,
    list_attempts,
    results,
    submit,
)
from quiz.services.attempts.sitting import (
    AttemptClock,
    attempt_clock,
    refresh_view,
)
from quiz.services.attempts.views import (
    AttemptSummary,
    AttemptView,
    FeedbackView,
    ItemResult,
    ItemView,
    OptionView,
    ResultsView,
    TopicResult,
    chosen_feedback,
    display_describe,
    feedback_view,
    option_views,
    summary,
)

__all__ = [
    "AttemptClock",
    "AttemptSummary",
    "AttemptView",
    "DEFAULT_REVIEW_OPTIONS",
    "DeadlinePassed",
    "EXAM_LOCK_MESSAGE",
    "ExamInProgress",
    "FeedbackView",
    "ItemResult",
    "ItemView",
    "MAX_PRACTICE_ITEMS",
    "OptionView",
    "ResultsView",
    "STALE_ANSWER_MESSAGE",
    "StaleAnswer",
    "TopicResult",
    "add_items",
    "attempt_questions",
    "attempt_responses",
    "attempt_title",
    "attempt_clock",
    "attempt_view",
    "chosen_feedback",
    "current_exam_attempt",
    "display_describe",
    "exam_statuses",
    "feedback_view",
    "finalise_overdue",
    "go_to",
    "in_progress",
    "item_at",
    "list_attempts",
    "load_attempt",
    "lock_user",
    "now_utc",
    "option_views",
    "own_attempt",
    "refresh_view",
    "require_no_exam_in_progress",
    "results",
    "save_answer",
    "set_flag",
    "start_exam",
    "start_practice",
    "start_review",
    "start_review_session",
    "submit",
    "summary",
    "viewable_attempt",
]
