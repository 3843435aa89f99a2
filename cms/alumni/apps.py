"""Former staff: roster, eligibility, invitations, registration, login, profile, privacy rights."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlumniConfig(AppConfig):
    name = "cms.alumni"
    label = "alumni"
    verbose_name = "アルムナイ"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from cms.alumni.sessions import session_mark_signed_in
        from cms.staff_roles import roles_after_migrate

        # Export and deletion ask for a sign-in of the last day (cms/alumni/sessions.py).
        user_logged_in.connect(session_mark_signed_in, dispatch_uid="cms.alumni.signed_in_at")

        # HR's roles in the admin (cms/staff_roles.py), for every installation.
        post_migrate.connect(roles_after_migrate, dispatch_uid="cms.staff_roles")
