"""The hand-picked members of an audience group are chosen with Wagtail's chooser: a modal that
searches approved alumni by name, kana or email as HR types, one page at a time (never a list
of everybody), open only to staff allowed to see alumni."""

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.push.selectors import alumni_search_for_delivery

VIEW_ALUMNI = "alumni.view_alumnus"


class AlumnusSearchForm(BaseFilterForm):
    q = forms.CharField(
        label="氏名（漢字・ふりがな）またはメールアドレス",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "検索"}),
    )

    def filter(self, objects: QuerySet[Alumnus]) -> QuerySet[Alumnus]:
        query = (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""
        if not query:
            return objects
        self.is_searching = True
        self.search_query = query
        return objects.filter(pk__in=alumni_search_for_delivery(query=query).values("pk"))


class _ApprovedAlumni:
    """Approved alumni only, by kana; the modal only for staff allowed to see alumni."""

    filter_form_class = AlumnusSearchForm
    ordering = ("family_name_kana", "given_name_kana", "pk")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(VIEW_ALUMNI):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_object_list(self) -> QuerySet[Alumnus]:
        return Alumnus.objects.filter(status=AlumnusStatus.ACTIVE)

    @property
    def columns(self) -> list[Column]:
        return [
            *super().columns,  # type: ignore[misc]
            Column(
                "kana",
                label="ふりがな",
                accessor=lambda alumnus: f"{alumnus.family_name_kana} {alumnus.given_name_kana}",
            ),
            Column("former_department", label="退職時の所属"),
        ]


class AlumnusChooseView(_ApprovedAlumni, ChooseView):
    pass


class AlumnusChooseResultsView(_ApprovedAlumni, ChooseResultsView):
    pass


class AlumnusChooserViewSet(ChooserViewSet):
    model = Alumnus
    icon = "user"
    choose_one_text = "登録者を選ぶ"
    choose_another_text = "別の登録者を選ぶ"
    page_title = "登録者を選ぶ"
    per_page = 20
    register_widget = False
    choose_view_class = AlumnusChooseView
    choose_results_view_class = AlumnusChooseResultsView


alumnus_chooser_viewset = AlumnusChooserViewSet(
    "alumnus_chooser", url_prefix="groups/alumni-chooser"
)
