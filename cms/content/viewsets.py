"""The page admin's views where they differ from Wagtail's: a new page is created under its
parent one request at a time, and the page search counts its results as pages."""

from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from wagtail.admin.views.pages.create import CreateView
from wagtail.admin.views.pages.search import SearchView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Page


class OneAtATimeCreateView(CreateView):
    """Wagtail's create view, run in one transaction that first locks the parent page's row.

    Wagtail checks the new page's slug against its siblings when it validates the form, and
    writes the page later (treebeard's add_child, then the revision, the publish). Two requests
    creating a page under the same parent at once (an editor with two tabs, two editors) both
    passed the check before either wrote, and the second write then failed the model's own
    slug check: a 500. Holding the parent's row from before the form is read until the page and
    its revision are committed makes the second request wait and then see the first one's page,
    so it ends as it would have a moment later: created beside it, or refused on the slug field
    with the form's Japanese message. Nothing is half-written: a failure rolls back the page
    with its revision.

    On PostgreSQL the lock is the parent row's FOR UPDATE; SQLite (the settings begin every
    transaction IMMEDIATE) already runs one writing transaction at a time.
    """

    def dispatch(
        self,
        request: HttpRequest,
        content_type_app_name: str,
        content_type_model_name: str,
        parent_page_id: int,
    ) -> HttpResponseBase:
        if request.method != "POST":
            return super().dispatch(
                request, content_type_app_name, content_type_model_name, parent_page_id
            )
        with transaction.atomic():
            list(Page.objects.select_for_update().filter(pk=parent_page_id).values_list("pk"))
            return super().dispatch(
                request, content_type_app_name, content_type_model_name, parent_page_id
            )


class PageSearchView(SearchView):
    """Wagtail's page search, its results counted as pages.

    Wagtail 8's search view has no model, so the heading of its results named none: the
    admin read 「31 件のNoneのうち 1～20 件目」. It now reads 「31 件のページのうち」."""

    verbose_name = Page._meta.verbose_name
    verbose_name_plural = Page._meta.verbose_name_plural


class OneAtATimePageViewSet(PageViewSet):
    """Wagtail's views of every page type, with the create view and the search above.
    Registered for `Page`, it takes the place of Wagtail's default page viewset (registered
    before it)."""

    model = Page
    add_view_class = OneAtATimeCreateView
    search_view_class = PageSearchView


page_viewset = OneAtATimePageViewSet()
