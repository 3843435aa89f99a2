"""A delivery is of any page (a notice, a survey) and for a reason (公開, 締切前のリマインド).

The notice column becomes the page column: a notice's id is its page's id (multi-table
inheritance), so every existing row keeps pointing at the same notice; each becomes a 公開
delivery.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtailcore", "0098_apitoken"),
        ("push", "0003_i12_delivery_last_error"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_channel"),
        migrations.RenameField(model_name="delivery", old_name="notice", new_name="item"),
        migrations.AlterField(
            model_name="delivery",
            name="item",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="wagtailcore.page",
                verbose_name="配信した項目",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="reason",
            field=models.CharField(
                choices=[("published", "公開"), ("reminder", "締切前のリマインド")],
                default="published",
                max_length=12,
                verbose_name="配信の理由",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                fields=("item", "alumnus", "channel", "reason"),
                name="delivery_once_per_item_channel_reason",
            ),
        ),
    ]
