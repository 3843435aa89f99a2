"""SignalMonthly, step 1 of 3: a column per signal type and views by kind of content (the
old one-row-per-type-and-kind columns stay until step 3)."""

from django.db import migrations, models


def _count(verbose_name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, default=0)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_signals")]

    operations = [
        migrations.RemoveConstraint(model_name="signalmonthly", name="signal_monthly_once"),
        migrations.AddField("signalmonthly", "logins", _count("ログイン")),
        migrations.AddField("signalmonthly", "page_views", _count("ページの閲覧")),
        migrations.AddField(
            "signalmonthly", "notices_opened", _count("通知・メールからのお知らせの表示")
        ),
        migrations.AddField("signalmonthly", "jobs_viewed", _count("求人情報の閲覧")),
        migrations.AddField("signalmonthly", "surveys_answered", _count("アンケートへの回答")),
        migrations.AddField("signalmonthly", "chat_posts", _count("グループへの投稿")),
        migrations.AddField("signalmonthly", "views_notice", _count("閲覧（お知らせ）")),
        migrations.AddField("signalmonthly", "views_job", _count("閲覧（求人情報）")),
        migrations.AddField("signalmonthly", "views_press", _count("閲覧（報道発表）")),
        migrations.AddField("signalmonthly", "views_survey", _count("閲覧（アンケート）")),
        migrations.AddField("signalmonthly", "views_page", _count("閲覧（その他のページ）")),
    ]
