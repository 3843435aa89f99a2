"""The alumni domain in the Wagtail admin: lists, import, invitations, approvals, audit log."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from cms import converters  # noqa: F401  (registers <id:…>: ids beyond 64 bits are a 404)
from cms.admin_forms import field_panels
from cms.alumni import admin_views, selectors, services
from cms.alumni.dev_mailbox import dev_mailbox_view
from cms.alumni.forms import AlumnusForm, RosterEntryForm
from cms.alumni.models import ROSTER_FIELDS, Alumnus, AuditAction, RosterEntry


class AuditedIndexView(admin_views.AuditedListingMixin, IndexView):
    """A listing of personal data: the rows of each page shown to staff go to the audit log."""

    def get_audit_target(self) -> str:
        return self.model._meta.model_name or ""


class AuditedEditView(EditView):
    """The edit screen of one person's record: showing it and saving it are both audited."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        self._audit(request, AuditAction.VIEW)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        self._audit(self.request, AuditAction.EDIT)
        return response

    def _audit(self, request: HttpRequest, action: str) -> None:
        services.audit_log_record(
            actor=request.user,
            action=action,
            target=self.model._meta.model_name or "",
            record_ids=[self.object.pk],
        )


class AlumnusViewSet(ModelViewSet):
    model = Alumnus
    icon = "user"
    menu_label = "登録者"
    index_view_class = AuditedIndexView
    edit_view_class = AuditedEditView
    list_display = [
        "__str__",
        "email",
        "former_department",
        "retired_on",
        "status",
        "channel",
        "registered_at",
    ]
    list_filter = {
        "former_department": ["exact"],
        "retired_on": ["year"],
        "status": ["exact"],
        "channel": ["exact"],
    }
    search_fields = ["family_name", "given_name", "family_name_kana", "given_name_kana", "email"]
    edit_handler = field_panels(
        ["family_name", "given_name", "family_name_kana", "given_name_kana", "status"],
        base_form_class=AlumnusForm,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Alumnus]:
        return Alumnus.objects.all()


class RosterEntryViewSet(ModelViewSet):
    model = RosterEntry
    icon = "doc-full"
    menu_label = "名簿"
    index_view_class = AuditedIndexView
    edit_view_class = AuditedEditView
    # The name beside the staff number (its string repeats the number under the heading 「名簿」).
    list_display = [
        "staff_number",
        Column(
            "name", label="氏名", accessor=lambda entry: f"{entry.family_name} {entry.given_name}"
        ),
        "former_department",
        "retired_on",
        "email",
    ]
    list_filter = {"former_department": ["exact"], "retired_on": ["year"]}
    search_fields = [
        "staff_number",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
    ]
    # Every column of the roster but the staff number it is keyed by.
    # Checked by the roster import's rules (`RosterEntryForm`).
    edit_handler = field_panels(
        [name for name in ROSTER_FIELDS if name != "staff_number"],
        base_form_class=RosterEntryForm,
    )


class AlumniGroup(ViewSetGroup):
    menu_label = "アルムナイ"
    menu_icon = "group"
    menu_order = 250
    items = (AlumnusViewSet("alumni_alumnus"), RosterEntryViewSet("alumni_roster"))


@hooks.register("register_admin_viewset")
def register_viewsets() -> AlumniGroup:
    return AlumniGroup()


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    return [
        path("alumni/roster-import/", admin_views.roster_import_view, name="alumni_roster_import"),
        path("alumni/invitations/", admin_views.invitations_view, name="alumni_invitations"),
        path(
            "alumni/invitations/<id:pk>/resend/",
            admin_views.invitation_resend_view,
            name="alumni_invitation_resend",
        ),
        path(
            "alumni/invitations/send/",
            admin_views.invitations_send_view,
            name="alumni_invitations_send",
        ),
        path(
            "alumni/invitations/letters.pdf",
            admin_views.letters_pdf_view,
            name="alumni_letters_pdf",
        ),
        path(
            "alumni/invitations/labels.csv", admin_views.labels_csv_view, name="alumni_labels_csv"
        ),
        path(
            "alumni/invitations/labels-sjis.csv",
            admin_views.labels_csv_view,
            {"shift_jis": True},
            name="alumni_labels_csv_sjis",
        ),
        path(
            "alumni/invitations/withdrawn/<id:pk>/undo/",
            admin_views.withdrawal_undo_view,
            name="alumni_withdrawal_undo",
        ),
        path("alumni/approvals/", admin_views.approvals_view, name="alumni_approvals"),
        path("alumni/audit-log/", admin_views.audit_log_view, name="alumni_audit_log"),
        path(
            "alumni/audit-log/results/",
            admin_views.audit_log_results_view,
            name="alumni_audit_log_results",
        ),
        # Answers 404 unless settings.DEBUG (checked on each request).
        path("dev/mail/", dev_mailbox_view, name="alumni_dev_mailbox"),
    ]


class PermissionMenuItem(MenuItem):
    def __init__(self, label: str, url_name: str, permission: str, **kwargs: Any) -> None:
        super().__init__(label, reverse(url_name), **kwargs)
        self.permission = permission

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def menu_roster_import() -> MenuItem:
    return PermissionMenuItem(
        "名簿の取り込み",
        "alumni_roster_import",
        "alumni.add_rosterentry",
        icon_name="upload",
        order=251,
    )


@hooks.register("register_admin_menu_item")
def menu_invitations() -> MenuItem:
    return PermissionMenuItem(
        "招待", "alumni_invitations", "alumni.view_invitation", icon_name="mail", order=252
    )


@hooks.register("register_admin_menu_item")
def menu_approvals() -> MenuItem:
    return PermissionMenuItem(
        "承認待ち", "alumni_approvals", "alumni.change_alumnus", icon_name="tick", order=253
    )


@hooks.register("register_admin_menu_item")
def menu_audit_log() -> MenuItem:
    return PermissionMenuItem(
        "監査ログ", "alumni_audit_log", "alumni.view_auditlogentry", icon_name="list-ul", order=254
    )


class DebugOnlyMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return settings.DEBUG


@hooks.register("register_admin_menu_item")
def menu_dev_mailbox() -> MenuItem:
    return DebugOnlyMenuItem(
        "デモ用メールボックス", reverse("alumni_dev_mailbox"), icon_name="mail", order=9000
    )


class RegistrationProgressPanel(Component):
    name = "alumni_registration_progress"
    order = 50
    template_name = "alumni/admin/dashboard_panel.html"

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        progress = selectors.alumni_registration_progress()
        percent = (
            round(100 * progress["registered"] / progress["target"]) if progress["target"] else 0
        )
        return {**progress, "percent": percent}


@hooks.register("construct_homepage_panels")
def add_registration_progress(request: HttpRequest, panels: list[Any]) -> None:
    panels.append(RegistrationProgressPanel())
