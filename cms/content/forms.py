"""Page editor forms of the content domain: checks that read what the editor submitted, and
saves that never undo a publish that landed while the editor's autosave was on its way."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page, Revision

AUTOSAVE_MARK = "_editor_autosave"
"""Set on the page being edited by the `before_edit_page` hook when the request is the
editor's autosave (a POST that asks for JSON); read by `RevisionSafePageForm.save()`."""

STALE_AUTOSAVE_MESSAGE = (
    "このページは自動保存の後に公開または更新されました。"
    "最新の内容を表示するには、ページを再読み込みしてください。"
)
GROUPS_REQUIRED_MESSAGE = "グループ限定のお知らせには配信グループを選んでください。"

# What belongs to the page as a whole rather than to the edited content (see
# Page.with_content_json): read fresh when the form saves, never written from the editor's copy.
PAGE_STATE_FIELDS = (
    "live",
    "has_unpublished_changes",
    "live_revision_id",
    "first_published_at",
    "last_published_at",
    "latest_revision_id",
    "latest_revision_created_at",
    "locked",
    "locked_by_id",
    "locked_at",
    "expired",
    "numchild",
)


def mark_autosave(page: Model) -> None:
    """Tell the form that this edit is an autosave (see `AUTOSAVE_MARK`)."""
    setattr(page, AUTOSAVE_MARK, True)


class RevisionSafePageForm(WagtailAdminPageForm):
    """A page form whose save cannot overwrite a publish that happened during the request.

    Wagtail's edit view reads the page and its latest revision when the request starts and
    saves them later. An autosave that starts just before a publish of the same page (the
    editor pressed 公開 while the autosave's 500 ms timer was running) therefore checks
    "nothing newer than my base revision" against that early copy, writes the page row back
    with the early copy's `live = False`, and stores its revision as the newest one: the
    publish is undone. Here the save reads the page again with the row locked, inside the
    view's transaction: an autosave whose base revision is no longer the latest is refused
    (Wagtail answers `invalid_revision` and pauses autosave), and no save writes the page's
    publishing state from the editor's copy.
    """

    def save(self, commit: bool = True) -> Any:
        page = self.instance
        if page.pk is not None:
            state = _page_state_now(page.pk)
            if getattr(page, AUTOSAVE_MARK, False) and self._base_revision_is_stale(state):
                raise PermissionDenied(STALE_AUTOSAVE_MESSAGE)
            for name in PAGE_STATE_FIELDS:
                setattr(page, name, state[name])
            if page.live:
                # The page row holds the live content: a draft is kept in its revision only.
                commit = False
        return super().save(commit=commit)

    def _base_revision_is_stale(self, state: dict[str, Any]) -> bool:
        """Wagtail's own out-of-date test (EditView.is_out_of_date), made against the page as
        it is now rather than as it was when the request started."""
        latest_id = state["latest_revision_id"]
        if latest_id is None:
            return False
        if overwrite_id := self.data.get("overwrite_revision_id"):
            # Nor may an autosave rewrite a revision that has gone live since (published from
            # the page list or by a schedule, without a new revision).
            live_id = state["live_revision_id"]
            return bool(overwrite_id != str(latest_id) or overwrite_id == str(live_id))
        if loaded_id := self.data.get("loaded_revision_id"):
            if loaded_id != str(latest_id):
                return True
            created_at = Revision.objects.filter(pk=latest_id).values_list("created_at", flat=True)
            latest_created = next(iter(created_at), None)
            return bool(
                latest_created is None
                or self.data.get("loaded_revision_created_at", "") != latest_created.isoformat()
            )
        return False


def _page_state_now(page_id: int) -> dict[str, Any]:
    """The page's publishing state as committed now; the row stays locked until the end of the
    current transaction (the autosave's), so a publish waits for it rather than slipping in."""
    pages = Page.objects.filter(pk=page_id)
    if transaction.get_connection().in_atomic_block:
        pages = pages.select_for_update()
    state: dict[str, Any] = pages.values(*PAGE_STATE_FIELDS).get()
    return state


class NoticePageForm(RevisionSafePageForm):
    """The notice editor: a group notice needs groups, as ticked in this very submission."""

    def clean(self) -> dict[str, Any]:
        from .models import Visibility

        cleaned_data: dict[str, Any] = super().clean()
        groups = cleaned_data.get("audience_groups")
        if cleaned_data.get("visibility") == Visibility.GROUPS and not groups:
            self.add_error("audience_groups", GROUPS_REQUIRED_MESSAGE)
        return cleaned_data
