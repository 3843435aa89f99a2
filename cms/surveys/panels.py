"""Editor panels of surveys: the warning HR sees when a survey being edited already has answers."""

from typing import Any

from wagtail.admin.panels import Panel


class SurveyAnswersPanel(Panel):
    """How many people have answered; once anyone has, a warning that a change makes a new
    version on publish (earlier answers keep theirs)."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "surveys/panels/survey_answers.html"

        def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            survey = self.instance
            context["answered"] = survey.responses.count() if survey.pk else 0
            return context
