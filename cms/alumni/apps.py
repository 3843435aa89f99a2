"""Former staff: roster, eligibility, invitations, registration, login, profile, privacy rights."""

from django.apps import AppConfig


class AlumniConfig(AppConfig):
    name = "cms.alumni"
    label = "alumni"
    verbose_name = "アルムナイ"
