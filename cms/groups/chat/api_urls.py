"""API routes of community chat, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, path

from . import api

urlpatterns: list[URLPattern] = [
    path("groups", api.GroupListView.as_view(), name="chat-groups"),
    path(
        "groups/<id:group_id>/messages",
        api.GroupMessagesView.as_view(),
        name="chat-group-messages",
    ),
    path("groups/<id:group_id>/join", api.GroupJoinView.as_view(), name="chat-group-join"),
    path("groups/<id:group_id>/leave", api.GroupLeaveView.as_view(), name="chat-group-leave"),
    path(
        "groups/<id:group_id>/membership",
        api.GroupMembershipView.as_view(),
        name="chat-group-membership",
    ),
    path(
        "groups/<id:group_id>/members/<id:member_id>/suspend",
        api.MemberSuspendView.as_view(),
        name="chat-member-suspend",
    ),
    path("messages/<id:message_id>", api.MessageView.as_view(), name="chat-message"),
    path(
        "messages/<id:message_id>/report",
        api.MessageReportView.as_view(),
        name="chat-message-report",
    ),
    path("messages/<id:message_id>/hide", api.MessageHideView.as_view(), name="chat-message-hide"),
]
