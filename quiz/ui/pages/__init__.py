"""The app's pages. Each module has ``render()``; :data:`PAGES` says who may reach which.

A page not in the list built for a role cannot be reached by URL (``st.navigation``); the services check the
role again, so a page is never the only guard.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    key: str  # url path, also the key remembered for "bring me back here"
    title: str
    module: str  # module under quiz.ui.pages with a render() function
    icon: str
    roles: tuple[str, ...]  # "anonymous", "trainee", "trainer", "admin"
    section: str = ""


PAGES: tuple[PageSpec, ...] = (
    PageSpec("login", "Log in", "login", ":material/login:", ("anonymous",)),
    PageSpec("register", "Register", "register", ":material/person_add:", ("anonymous",)),
    PageSpec("reset", "Set a new password", "reset_password", ":material/lock_reset:", ("anonymous",)),
    # trainee
    PageSpec("home", "Home", "trainee_home", ":material/home:", ("trainee",), "Learn"),
    PageSpec("practice", "Practice", "practice", ":material/school:", ("trainee",), "Learn"),
    PageSpec("review", "Spaced review", "review", ":material/replay:", ("trainee",), "Learn"),
    PageSpec("exams", "Certification exams", "exam", ":material/timer:", ("trainee",), "Certify"),
    PageSpec("results", "Results", "results", ":material/grading:", ("trainee",), "Certify"),
    PageSpec("progress", "My progress", "progress", ":material/trending_up:", ("trainee",), "Certify"),
    # trainer
    PageSpec("dashboard", "Dashboard", "trainer_dashboard", ":material/dashboard:", ("trainer", "admin"), "Cohorts"),
    PageSpec("academy", "Academy overview", "academy", ":material/apartment:", ("trainer", "admin"), "Cohorts"),
    PageSpec("cohorts", "Cohorts and trainees", "cohorts", ":material/groups:", ("trainer", "admin"), "Cohorts"),
    PageSpec("exam-setup", "Exams", "exam_setup", ":material/event_note:", ("trainer", "admin"), "Cohorts"),
    PageSpec("certificates", "Certificates", "certificates_admin", ":material/workspace_premium:",
             ("trainer", "admin"), "Cohorts"),
    PageSpec("item-analysis", "Item analysis", "item_analysis", ":material/query_stats:", ("trainer", "admin"),
             "Question bank"),
    PageSpec("bank", "Question bank", "bank_curation", ":material/library_books:", ("trainer", "admin"),
             "Question bank"),
    PageSpec("exports", "Exports", "exports", ":material/download:", ("trainer", "admin"), "Question bank"),
    PageSpec("regrade", "Regrade and overrides", "regrade", ":material/rule:", ("trainer", "admin"),
             "Question bank"),
    PageSpec("audit", "Audit trail", "audit_log", ":material/history:", ("trainer", "admin"), "Question bank"),
    PageSpec("standard-setting", "Standard setting", "standard_setting", ":material/balance:", ("trainer", "admin"),
             "Question bank"),
    PageSpec("rating", "Rate items (Angoff)", "rating", ":material/thumbs_up_down:", ("trainer", "admin"),
             "Question bank"),
    PageSpec("users", "Users", "users", ":material/admin_panel_settings:", ("admin",), "Administration"),
    # everyone logged in
    PageSpec("account", "My account", "account", ":material/manage_accounts:", ("trainee", "trainer", "admin"),
             "Account"),
    PageSpec("verify", "Verify a certificate", "verify_certificate", ":material/verified:",
             ("anonymous", "trainee", "trainer", "admin"), "Certificates"),
)

# The page each role lands on after logging in.
HOME_PAGE = {"anonymous": "login", "trainee": "home", "trainer": "dashboard", "admin": "dashboard"}


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]
