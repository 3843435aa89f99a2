"""Incidents HR records for the completion report's security section (no personal data)."""

from django.conf import settings
from django.db import models


class Incident(models.Model):
    """A security incident or near miss (情報セキュリティ事故): what happened and what was done.

    Written by HR in the admin; the completion report counts and lists the year's incidents.
    The text describes the event, not people: no names or addresses belong here."""

    occurred_on = models.DateField("発生日")
    title = models.CharField("件名", max_length=120)
    description = models.TextField("内容", blank=True)
    measures = models.TextField("対応・再発防止策", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="記録した職員",
        editable=False,
    )
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "セキュリティ事故"
        verbose_name_plural = "セキュリティ事故"
        ordering = ("-occurred_on",)

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.title}"
