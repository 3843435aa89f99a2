"""HR's edit form of a roster entry: the roster import's rules, field by field."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from cms.alumni.models import RosterEntry
from cms.alumni.normalise import parse_japanese_date
from cms.alumni.roster import roster_value_check


class JapaneseDateFormField(forms.DateField):
    """A date as the admin's picker writes it, or as HR's file may (1988/5/12, 昭和63年5月12日,
    S63.5.12): the import takes those, so the form that corrects its rows does too."""

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str) and value.strip():
            try:
                return parse_japanese_date(value)
            except ValueError:
                pass
        return super().to_python(value)


class RosterEntryForm(WagtailAdminModelForm):
    """A value typed by hand meets the rule a cell of HR's file meets (`roster_value_check`):
    an address too long for the envelope's window was saved here and printed cut on the letter,
    which the import would have refused."""

    class Meta:
        model = RosterEntry
        fields: tuple[str, ...] = ()
        field_classes = {
            name: JapaneseDateFormField for name in ("birth_date", "hired_on", "retired_on")
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        for name in self.fields:
            value = cleaned.get(name)
            if name in self.errors or value in (None, ""):
                continue
            try:
                cleaned[name] = roster_value_check(name, value)
            except (ValueError, ValidationError) as error:
                message = error.messages if isinstance(error, ValidationError) else [str(error)]
                self.add_error(name, message)
        return cleaned
