"""The inventory of personal data (個人情報ファイル簿) covers every personal column of every model."""

import re

import pytest
from django.apps import apps
from django.db import models

from cms.analytics.inventory import INVENTORY, NOT_PERSONAL, inventory_for

# The models a person's data hangs from: a link to one of them makes a table personal.
PERSON_MODELS = ("alumni.Alumnus", "alumni.RosterEntry")
# Column names that say "personal data" whatever the table (names, kana, contact, free text).
PERSONAL_NAME = re.compile(
    r"(^|_)(family_name|given_name|kana|email|birth_date|address|postal_code|phone|body|reason"
    r"|answers?|comment|free_text|form_data|ip|user_agent)$"
)
PERSONAL_TYPES = (models.EmailField, models.GenericIPAddressField)
# Apps whose models are checked by name and type (the link check applies to every app).
OUR_APPS = ("cms.",)
FORM_APPS = ("wagtail.contrib.forms",)


def _links_to_a_person(field: models.Field) -> bool:  # type: ignore[type-arg]
    target = getattr(field, "related_model", None)
    if target is None or not (field.many_to_one or field.one_to_one or field.many_to_many):
        return False
    if field.auto_created and not field.concrete:
        return False  # the reverse side
    return target._meta.label in PERSON_MODELS


def _personal_columns() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for model in apps.get_models():
        ours = model.__module__.startswith(OUR_APPS) or model._meta.app_config.name in FORM_APPS
        for field in model._meta.get_fields():
            if getattr(field, "auto_created", False) and not getattr(field, "concrete", False):
                continue
            label = f"{model._meta.label}.{field.name}"
            if label in NOT_PERSONAL:
                continue
            personal = _links_to_a_person(field)  # type: ignore[arg-type]
            if ours and not personal:
                personal = bool(PERSONAL_NAME.search(field.name)) or isinstance(
                    field, PERSONAL_TYPES
                )
            if personal:
                found.setdefault(model._meta.label, set()).add(field.name)
    return found


def test_every_personal_column_is_in_the_inventory() -> None:
    missing = []
    for label, columns in _personal_columns().items():
        entry = inventory_for(label)
        listed = set(entry.fields) if entry else set()
        missing += [f"{label}.{name}" for name in sorted(columns - listed)]
    assert missing == [], "個人情報ファイル簿に載っていない項目: " + ", ".join(missing)


def test_the_check_catches_a_new_link_to_an_alumnus() -> None:
    """The walk itself works: a model that gains a link to an alumnus is reported."""

    class Estimate(models.Model):  # noqa: DJ008
        alumnus = models.ForeignKey("alumni.Alumnus", on_delete=models.CASCADE)
        note = models.TextField()

        class Meta:
            app_label = "analytics"

    try:
        assert "alumnus" in _personal_columns()["analytics.Estimate"]
        assert inventory_for("analytics.Estimate") is None
    finally:
        apps.all_models["analytics"].pop("estimate", None)
        apps.clear_cache()


@pytest.mark.parametrize("entry", INVENTORY, ids=lambda entry: entry.model)
def test_each_entry_names_real_columns_a_purpose_and_a_retention(entry: object) -> None:
    from cms.analytics.inventory import PersonalDataFile

    assert isinstance(entry, PersonalDataFile)
    model = apps.get_model(entry.model)
    names = {field.name for field in model._meta.get_fields()}
    assert set(entry.fields) <= names, set(entry.fields) - names
    assert entry.purpose and not entry.purpose.isascii()
    assert entry.retention and not entry.retention.isascii()
    assert all(not item.isascii() for item in entry.items()), entry.items()
