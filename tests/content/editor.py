"""Driving Wagtail's page editor from the tests: its form as shown, autosave, publish."""

from typing import Any

from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import querydict_from_html

from cms.content.models import NoticeIndexPage, NoticePage
from tests.content.factories import NoticePageFactory

EDIT_FORM = "page-edit-form"


def edit_url(page: Page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def form_as_shown(client: Client, url: str) -> QueryDict:
    """The editor's form as the browser would submit it untouched (the body StreamField is
    drawn by script; these notices have an empty body)."""
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id=EDIT_FORM)
    data.setdefault("body-count", "0")
    return data


def draft_notice(notices: NoticeIndexPage, hr: Any, **fields: Any) -> NoticePage:
    notice: NoticePage = NoticePageFactory(parent=notices, live=False, **fields)
    notice.save_revision(user=hr)
    return notice


def autosave(client: Client, url: str, data: QueryDict) -> Any:
    """What Wagtail's autosave controller sends: the same form, asking for JSON."""
    return client.post(url, data, HTTP_ACCEPT="application/json")


def publish(client: Client, url: str, data: QueryDict) -> Any:
    data = data.copy()
    data["action-publish"] = "action-publish"
    return client.post(url, data)
