"""HR's edit forms of former staff: a roster entry (the roster import's rules, field by field)
and a registered alumnus (the rules the app's profile form keeps)."""

from typing import Any

from django.core.exceptions import ValidationError

from cms.admin_forms import AdminModelForm, japanese_dates
from cms.alumni.models import Alumnus, RosterEntry
from cms.alumni.normalise import normalise_kana, normalise_name
from cms.alumni.roster import roster_value_check


class RosterEntryForm(AdminModelForm):
    """A value typed by hand meets the rule a cell of HR's file meets (`roster_value_check`):
    an address too long for the envelope's window was saved here and printed cut on the letter,
    which the import would have refused."""

    class Meta:
        model = RosterEntry
        fields: tuple[str, ...] = ()
        field_classes = japanese_dates("birth_date", "hired_on", "retired_on")

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


class AlumnusForm(AdminModelForm):
    """A name and its reading by the rules of the person's own profile in the app: HR's form
    saved a reading typed in kanji (花子 as 名（ふりがな）), which the app refuses."""

    class Meta:
        model = Alumnus
        fields: tuple[str, ...] = ()

    def clean_family_name(self) -> str:
        return normalise_name(self.cleaned_data["family_name"])

    def clean_given_name(self) -> str:
        return normalise_name(self.cleaned_data["given_name"])

    def clean_family_name_kana(self) -> str:
        return normalise_kana(self.cleaned_data["family_name_kana"])

    def clean_given_name_kana(self) -> str:
        return normalise_kana(self.cleaned_data["given_name_kana"])
