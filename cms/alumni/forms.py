"""HR's edit form of a roster entry: the roster import's rules, field by field."""

from typing import Any

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from cms.alumni.models import RosterEntry
from cms.alumni.roster import roster_value_check


class RosterEntryForm(WagtailAdminModelForm):
    """A value typed by hand meets the rule a cell of HR's file meets (`roster_value_check`):
    an address too long for the envelope's window was saved here and printed cut on the letter,
    which the import would have refused."""

    class Meta:
        model = RosterEntry
        fields: tuple[str, ...] = ()

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
