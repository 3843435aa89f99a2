"""The edit forms of the admin's model viewsets, laid out by Wagtail's panels."""

from collections.abc import Sequence

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList


def field_panels(
    names: Sequence[str], *, base_form_class: type[WagtailAdminModelForm] | None = None
) -> ObjectList:
    """A viewset's form, one FieldPanel per field (a viewset's `edit_handler`).

    Given only `form_fields`, Wagtail 8 renders each field with Django's own attributes: its
    `aria-describedby` names `id_<field>_error` and `id_<field>_helptext`, ids that Wagtail's
    field template never gives the error and the help text, so a screen reader announced
    neither (HR heard 「退職時の住所 無効」 without why). A FieldPanel ties both to the field."""
    kwargs = {"base_form_class": base_form_class} if base_form_class else {}
    return ObjectList([FieldPanel(name) for name in names], **kwargs)
