"""Wagtail names its default workflow and its task after the group, in English ("Moderators
approval"), and the page editor's action menu then reads 「Moderators approvalに提出する」: both
are given a Japanese name, where they still have Wagtail's."""

from typing import Any

from django.db import migrations

WAGTAIL_NAME = "Moderators approval"
JAPANESE_NAME = "公開前の承認"


def _rename(apps: Any, old: str, new: str) -> None:
    for model in ("Workflow", "Task"):
        apps.get_model("wagtailcore", model).objects.filter(name=old).update(name=new)


def forwards(apps: Any, schema_editor: Any) -> None:
    _rename(apps, WAGTAIL_NAME, JAPANESE_NAME)


def backwards(apps: Any, schema_editor: Any) -> None:
    _rename(apps, JAPANESE_NAME, WAGTAIL_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0006_i12_build_failures"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
