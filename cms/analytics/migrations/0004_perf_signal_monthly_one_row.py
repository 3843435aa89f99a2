"""SignalMonthly, step 3 of 3: the old type, kind and count columns go; one row per person and
month."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_perf_signal_monthly_fold")]

    operations = [
        # A default only so that going back can add the column to existing rows.
        migrations.AlterField(
            "signalmonthly", "type", models.CharField("種類", max_length=16, default="")
        ),
        migrations.RemoveField("signalmonthly", "type"),
        migrations.RemoveField("signalmonthly", "content_kind"),
        migrations.RemoveField("signalmonthly", "count"),
        migrations.AddConstraint(
            model_name="signalmonthly",
            constraint=models.UniqueConstraint(
                fields=("alumnus", "month"), name="signal_monthly_person_month"
            ),
        ),
    ]
