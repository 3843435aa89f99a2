"""Former staff: roster, eligibility, invitations, registration, login, profile, privacy rights."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlumniConfig(AppConfig):
    name = "cms.alumni"
    label = "alumni"
    verbose_name = "アルムナイ"

    def ready(self) -> None:
        from cms.staff_roles import roles_after_migrate

        # HR's roles in the admin (cms/staff_roles.py), for every installation.
        post_migrate.connect(roles_after_migrate, dispatch_uid="cms.staff_roles")
