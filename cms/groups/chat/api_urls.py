"""API routes of community chat, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, path

from . import api

urlpatterns: list[URLPattern] = [
    path("groups", api.GroupListView.as_view(), name="chat-groups"),
    path(
        "groups/<int:group_id>/messages",
        api.GroupMessagesView.as_view(),
        name="chat-group-messages",
    ),
    path("groups/<int:group_id>/join", api.GroupJoinView.as_view(), name="chat-group-join"),
    path("groups/<int:group_id>/leave", api.GroupLeaveView.as_view(), name="chat-group-leave"),
    path(
        "groups/<int:group_id>/membership",
        api.GroupMembershipView.as_view(),
        name="chat-group-membership",
    ),
    path(
        "groups/<int:group_id>/members/<int:member_id>/suspend",
        api.MemberSuspendView.as_view(),
        name="chat-member-suspend",
    ),
    path("messages/<int:message_id>", api.MessageView.as_view(), name="chat-message"),
    path(
        "messages/<int:message_id>/report",
        api.MessageReportView.as_view(),
        name="chat-message-report",
    ),
    path("messages/<int:message_id>/hide", api.MessageHideView.as_view(), name="chat-message-hide"),
]
