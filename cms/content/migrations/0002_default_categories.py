from django.db import migrations

DEFAULT_CATEGORIES = [
    ("採用情報", "recruitment", 10),
    ("県政・職場の今", "workplace", 20),
    ("イベント", "events", 30),
    ("その他", "other", 90),
]


def create_categories(apps, schema_editor):
    NoticeCategory = apps.get_model("content", "NoticeCategory")
    for name, slug, order in DEFAULT_CATEGORIES:
        NoticeCategory.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
