"""Wagtail's migrations make its two page groups in English, "Editors" and "Moderators", and the
admin's user and group screens showed those names among HR's Japanese ones: each is given its
Japanese name (cms.staff_roles.WAGTAIL_PAGE_GROUPS), where it still has Wagtail's. After every
Wagtail migration that looks the groups up by their English name."""

from typing import Any

from django.db import migrations

from cms.staff_roles import WAGTAIL_PAGE_GROUPS


def _rename(apps: Any, names: dict[str, str]) -> None:
    Group = apps.get_model("auth", "Group")
    for old, new in names.items():
        if not Group.objects.filter(name=new).exists():
            Group.objects.filter(name=old).update(name=new)


def forwards(apps: Any, schema_editor: Any) -> None:
    _rename(apps, WAGTAIL_PAGE_GROUPS)


def backwards(apps: Any, schema_editor: Any) -> None:
    _rename(apps, {new: old for old, new in WAGTAIL_PAGE_GROUPS.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0008_press_release_call_names_the_employer"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
