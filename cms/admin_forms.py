"""The edit forms of the admin's model viewsets, laid out by Wagtail's panels: dates in 和暦 and
the focus on the first refused field; Draftail's rich text editor named for a screen reader."""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.rich_text import DraftailRichTextArea

from cms.alumni.normalise import parse_japanese_date, wareki

DATE_HELP = "和暦（令和8年4月1日、R8.4.1）でも西暦（2026/4/1）でも入力できます。"


class JapaneseDateInput(forms.TextInput):
    """A date shown as HR writes it (令和8年10月20日); what was typed comes back as typed."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return wareki(value)
        return super().format_value(value)


class JapaneseDateFormField(forms.DateField):
    """A date as HR types it (1988/5/12, 昭和63年5月12日, S63.5.12) or as the import reads it,
    shown in 和暦. Its own text input, not Wagtail's picker, whose ISO text the 和暦 of the rest
    of the admin did not match."""

    widget = JapaneseDateInput

    def __init__(self, *, widget: Any = None, help_text: str = "", **kwargs: Any) -> None:
        help_text = f"{help_text}　{DATE_HELP}" if help_text else DATE_HELP
        super().__init__(help_text=help_text, **kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str) and value.strip():
            try:
                return parse_japanese_date(value)
            except ValueError:
                pass
        return super().to_python(value)


def japanese_dates(*names: str) -> dict[str, type[forms.Field]]:
    """A form's `Meta.field_classes` for these date fields."""
    return dict.fromkeys(names, JapaneseDateFormField)


def focus_first_error(form: forms.Form) -> None:
    """The screen comes back with the focus on the first field in error, so a keyboard or
    screen-reader user lands on it (and hears its message) instead of at the top of the page."""
    for name in form.fields:
        if name in form.errors:
            form.fields[name].widget.attrs["autofocus"] = True
            return


class AdminModelForm(WagtailAdminModelForm):
    """A viewset's edit form that comes back refused with the focus on the first field in
    error (Wagtail's leaves it at the top of the page)."""

    def full_clean(self) -> None:
        super().full_clean()
        focus_first_error(self)


def field_panels(
    names: Sequence[str], *, base_form_class: type[WagtailAdminModelForm] = AdminModelForm
) -> ObjectList:
    """A viewset's form, one FieldPanel per field (a viewset's `edit_handler`).

    Given only `form_fields`, Wagtail 8 renders each field with Django's own attributes: its
    `aria-describedby` names `id_<field>_error` and `id_<field>_helptext`, ids that Wagtail's
    field template never gives the error and the help text, so a screen reader announced
    neither (HR heard 「退職時の住所 無効」 without why). A FieldPanel ties both to the field."""
    return ObjectList([FieldPanel(name) for name in names], base_form_class=base_form_class)


class LabelledDraftailRichTextArea(DraftailRichTextArea):
    """Wagtail's Draftail editor with an accessible name (`WAGTAILADMIN_RICH_TEXT_EDITORS`).

    Wagtail's field label points (`for`) at the hidden input that carries the value, not at the
    editable area, so a screen reader announced 「編集可能なテキスト」 without saying which field
    (選考方法 or 申込方法): the editor is labelled by the field's label (`<id>-label`), or in a
    StreamField, where the block has no label element, by the block's own label (the option
    `ariaLabel`, set by `LabelledRichTextBlock`). Draftail takes both as options of its own."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)
        if "ariaLabel" not in self.options and attrs and attrs.get("id"):
            options = {**self.options, "ariaLabelledBy": f"{attrs['id']}-label"}
            context["widget"]["attrs"]["data-w-init-detail-value"] = json.dumps(
                options, cls=DjangoJSONEncoder
            )
        return context
