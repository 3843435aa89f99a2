"""Shared setup of the analytics tests: a site with a notice, a job and a standard page."""

from dataclasses import dataclass

import pytest
from django.test import Client

from cms.alumni.models import Alumnus
from cms.content.models import JobPage, NoticePage, StandardPage
from tests.alumni.factories import AlumnusFactory
from tests.content.factories import (
    JobIndexPageFactory,
    JobPageFactory,
    NoticeIndexPageFactory,
    NoticePageFactory,
    StandardPageFactory,
    make_site,
)


@dataclass
class SitePages:
    notice: NoticePage
    job: JobPage
    page: StandardPage


@pytest.fixture
def pages(db: None) -> SitePages:
    home = make_site()
    notice = NoticePageFactory(parent=NoticeIndexPageFactory(parent=home))
    job = JobPageFactory(parent=JobIndexPageFactory(parent=home))
    page = StandardPageFactory(parent=home, slug="about")
    return SitePages(notice=notice, job=job, page=page)


@pytest.fixture
def consenting(db: None) -> Alumnus:
    alumnus: Alumnus = AlumnusFactory(consent_analytics=True)
    return alumnus


def signed_in(alumnus: Alumnus) -> Client:
    """A browser-like client signed in as `alumnus` (CSRF enforced, as in the PWA)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alumnus.user)
    return client
