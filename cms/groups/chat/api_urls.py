"""API routes of community chat, mounted under /api/v1/ by cms.api."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from . import api

# Under one prefix each, so that any other API path is turned away by three quick checks
# instead of a try of every chat route (cms.api mounts chat first: its polls are the API's
# busiest requests).
group_routes: list[URLPattern | URLResolver] = [
    path("<int:group_id>/messages", api.GroupMessagesView.as_view(), name="chat-group-messages"),
    path("<int:group_id>/join", api.GroupJoinView.as_view(), name="chat-group-join"),
    path("<int:group_id>/leave", api.GroupLeaveView.as_view(), name="chat-group-leave"),
    path(
        "<int:group_id>/membership",
        api.GroupMembershipView.as_view(),
        name="chat-group-membership",
    ),
    path(
        "<int:group_id>/members/<int:member_id>/suspend",
        api.MemberSuspendView.as_view(),
        name="chat-member-suspend",
    ),
]
message_routes: list[URLPattern | URLResolver] = [
    path("<int:message_id>", api.MessageView.as_view(), name="chat-message"),
    path("<int:message_id>/report", api.MessageReportView.as_view(), name="chat-message-report"),
    path("<int:message_id>/hide", api.MessageHideView.as_view(), name="chat-message-hide"),
]
urlpatterns: list[URLPattern | URLResolver] = [
    path("groups/", include(group_routes)),
    path("messages/", include(message_routes)),
    path("groups", api.GroupListView.as_view(), name="chat-groups"),
]

if settings.CHAT_BENCH_BASELINE:
    from .bench_views import bare_json

    urlpatterns.append(path("bench/bare", bare_json, name="chat-bench-bare"))
