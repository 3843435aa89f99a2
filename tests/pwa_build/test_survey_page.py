"""The public survey page in dist/: an introduction (title, intro, answering period) with a way
into the app's answering screen; no form, nothing that posts, nothing personal."""

import datetime as dt
import re
from pathlib import Path

from django.utils import timezone

from pwa_build.build import build
from tests.alumni.factories import AlumnusFactory
from tests.content.factories import SurveyPageFactory
from tests.pwa_build.conftest import SiteTree, read_all

JST = dt.timezone(dt.timedelta(hours=9))


def test_the_public_survey_page_introduces_the_survey_and_leads_into_the_app(
    site_tree: SiteTree, dist: Path
) -> None:
    survey = SurveyPageFactory(
        parent=site_tree.home,
        slug="comeback",
        title="カムバック採用に関するアンケート",
        intro="<p>応募を考えるときに大切なことを教えてください。</p>",
        opens_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=JST),
        closes_at=dt.datetime(2026, 4, 30, 17, 0, tzinfo=JST),
    )
    build(full=True)
    html = (dist / "comeback/index.html").read_text()
    assert "カムバック採用に関するアンケート" in html
    assert "応募を考えるときに大切なことを教えてください。" in html
    assert "2026年4月1日（水）〜2026年4月30日（木）" in html
    links = re.findall(r'<a [^>]*href="?([^" >]+)', html)
    assert f"/app/survey/?id={survey.pk}" in links
    assert "<form" not in html.lower()


def test_no_survey_page_of_dist_holds_a_form_that_posts_or_anything_personal(
    site_tree: SiteTree, dist: Path
) -> None:
    SurveyPageFactory(
        parent=site_tree.home,
        slug="comeback",
        title="カムバック採用に関するアンケート",
        closes_at=timezone.now() + dt.timedelta(days=10),
    )
    AlumnusFactory(family_name="回答", given_name="秘子", email="kaitou.hiko@example.jp")
    build(full=True)
    everything = read_all(dist)
    for personal in ("秘子", "kaitou.hiko@example.jp"):
        assert personal not in everything, personal
    for page in (dist / "comeback/index.html", dist / "survey/index.html"):
        html = page.read_text().lower()
        assert "<form" not in html and 'method="post"' not in html and "method=post" not in html
        assert "/api/v1/surveys" not in html
