"""The audience group editor: the 「アンケートの回答」 rule chosen as options of one targeting
question, by their labels (the ids stay behind the scenes)."""

from typing import Any

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.groups.models import HR_VERIFIED_ONLY
from cms.surveys.models import SurveyPage
from cms.surveys.results import CHOICE_TYPES, survey_catalogue

ONE_QUESTION = "選択肢は一つの質問の中から選んでください。"


def answer_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The options of every choice question that asks consent to be used for information, by
    survey and question: value "survey:question:option"; removed options under their last
    label (people who chose them still count)."""
    grouped = []
    for survey in SurveyPage.objects.order_by("-first_published_at", "pk"):
        for number, question in enumerate(survey_catalogue(survey=survey), start=1):
            if not question.targeting or question.type not in CHOICE_TYPES:
                continue
            grouped.append(
                (
                    f"{survey.title} 問{number} {question.label}",
                    [
                        (f"{survey.pk}:{question.id}:{option.id}", option.label)
                        for option in question.options
                    ],
                )
            )
    return grouped


class AudienceGroupForm(WagtailAdminModelForm):
    answer_choice = forms.MultipleChoiceField(
        label="アンケートの回答",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="情報提供への利用に同意した回答だけが対象です。選んだ選択肢のいずれかを回答した方が対象になります。",
    )

    member_add = forms.ModelChoiceField(
        label="メンバーを追加",
        queryset=Alumnus.objects.none(),
        required=False,
        help_text="氏名・ふりがな・メールアドレスで探して選びます。保存すると追加されます。",
    )
    members_remove = forms.MultipleChoiceField(
        label="個別に追加したメンバー（チェックした方を外す）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields.get("members")
        if isinstance(members, forms.ModelMultipleChoiceField):
            # Kept as hidden values (never a list of everybody to choose from): added one at a
            # time with the chooser, taken out with the 「外す」 boxes.
            members.queryset = Alumnus.objects.filter(status=AlumnusStatus.ACTIVE)
            members.widget = forms.MultipleHiddenInput()
            self._members_fields()
        field = self.fields.get("answer_choice")
        if field is None:
            return
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = answer_choices()
        group = self.instance
        if group.answer_question and group.answer_survey_id:
            self.initial["answer_choice"] = [
                f"{group.answer_survey_id}:{group.answer_question}:{option}"
                for option in group.answer_options
            ]

    def _members_fields(self) -> None:
        from .choosers import alumnus_chooser_viewset

        add = self.fields["member_add"]
        assert isinstance(add, forms.ModelChoiceField)
        add.queryset = Alumnus.objects.filter(status=AlumnusStatus.ACTIVE)
        add.widget = alumnus_chooser_viewset.widget_class()
        remove = self.fields["members_remove"]
        assert isinstance(remove, forms.MultipleChoiceField)
        picked = self.instance.members.all() if self.instance.pk else Alumnus.objects.none()
        remove.choices = [(str(alumnus.pk), str(alumnus)) for alumnus in picked]

    def _members_cleaned(self, cleaned: dict[str, Any]) -> None:
        members = list(cleaned.get("members") or [])
        added = cleaned.get("member_add")
        if added is not None and added not in members:
            members.append(added)
        removed = set(cleaned.get("members_remove") or [])
        cleaned["members"] = [alumnus for alumnus in members if str(alumnus.pk) not in removed]

    def clean_answer_choice(self) -> list[str]:
        values: list[str] = self.cleaned_data.get("answer_choice") or []
        questions = {tuple(value.split(":")[:2]) for value in values}
        if len(questions) > 1:
            raise forms.ValidationError(ONE_QUESTION)
        return values

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        if "members" in self.fields:
            self._members_cleaned(cleaned)
        if "answer_choice" in self.fields and "answer_choice" in cleaned:
            values = cleaned["answer_choice"]
            group = self.instance
            if values and cleaned.get("hr_verified_only"):
                self.add_error("answer_choice", HR_VERIFIED_ONLY)
            if values:
                survey_id, question_id, _ = values[0].split(":")
                group.answer_survey_id = int(survey_id)
                group.answer_question = question_id
                group.answer_options = [value.split(":")[2] for value in values]
            else:
                group.answer_survey_id = None
                group.answer_question = ""
                group.answer_options = []
        return cleaned
