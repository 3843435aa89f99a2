"""Twenty parallel PUTs of one alumnus's response leave exactly one response.

Real threads, each with its own database connection, committing for real (the suite runs on
SQLite and PostgreSQL alike)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.test import Client
from wagtail.models import Locale, Page

from cms.surveys.models import SurveyResponse
from cms.surveys.selectors import survey_current_version
from tests.groups.factories import AlumnusFactory
from tests.surveys.factories import SurveyPageFactory, make_site, question

PUTS = 20


def test_twenty_parallel_puts_from_one_alumnus_leave_one_response(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    django_db_serialized_rollback: None,
    transactional_db: None,
) -> None:
    if Page.get_first_root_node() is None:  # an earlier transactional test flushed it
        Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        Page.add_root(instance=Page(title="Root", slug="root"))
    survey = SurveyPageFactory(
        parent=make_site(), questions=[question("single", "関心はありますか", ["ある", "ない"])]
    )
    version = survey_current_version(survey=survey)
    assert version is not None
    first = version.questions[0]
    alumnus = AlumnusFactory()
    signed_in = Client()
    signed_in.force_login(alumnus.user)
    cookies = signed_in.cookies
    url = f"/api/v1/surveys/{survey.pk}/response"
    start = threading.Barrier(PUTS)

    def put(n: int) -> int:
        client = Client()
        client.cookies = cookies
        body = {
            "version": version.number,
            "answers": {first["id"]: first["options"][n % 2]["id"]},
        }
        try:
            start.wait(timeout=30)
            return client.put(url, body, content_type="application/json").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=PUTS) as pool:
        statuses = sorted(pool.map(put, range(PUTS)))

    assert statuses == [200] * (PUTS - 1) + [201]
    assert SurveyResponse.objects.filter(survey=survey, alumnus=alumnus).count() == 1
