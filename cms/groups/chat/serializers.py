"""Small input and output serializers of the chat API, one per operation."""

import datetime as dt
from typing import Any

from rest_framework import serializers

from .models import CommunityGroup, Membership, MembershipStatus, Message


class MessageTextField(serializers.CharField):
    """The raw text; the service owns the rules (length, blank, characters) and their wording."""

    default_error_messages = {
        "invalid": "文字列で入力してください。",
        "required": "メッセージを入力してください。",
        "null": "メッセージを入力してください。",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, allow_blank=True, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):  # DRF would turn 123 or true into text
            self.fail("invalid")
        return data

    def run_validators(self, value: Any) -> None:
        """None here: CharField's NUL and surrogate checks would answer before the service."""


class MessagePostInput(serializers.Serializer):
    body = MessageTextField()
    client_id = serializers.UUIDField(
        error_messages={
            "invalid": "client_id は UUID で指定してください。",
            "required": "client_id を指定してください。",
        }
    )


class MessageEditInput(serializers.Serializer):
    body = MessageTextField()


class ReportInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class JoinInput(serializers.Serializer):
    accept_rules = serializers.BooleanField(
        default=False, error_messages={"invalid": "true か false で指定してください。"}
    )


class MembershipInput(serializers.Serializer):
    muted = serializers.BooleanField(
        error_messages={"invalid": "true か false で指定してください。"}
    )


class HideInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class GroupOutput(serializers.ModelSerializer):
    id = serializers.IntegerField(source="group_id")
    name = serializers.CharField(source="group.name")
    description = serializers.CharField(source="group.description")
    unread = serializers.IntegerField()

    class Meta:
        model = Membership
        fields = ["id", "name", "description", "status", "role", "muted", "unread"]


class JoinableGroupOutput(serializers.ModelSerializer):
    class Meta:
        model = CommunityGroup
        fields = ["id", "name", "description", "join_policy", "house_rules"]


class GroupsOutput(serializers.Serializer):
    groups = GroupOutput(many=True)
    joinable = JoinableGroupOutput(many=True)


class MembershipOutput(serializers.ModelSerializer):
    """The reader's membership, as every answer about it shows it."""

    group = serializers.IntegerField(source="group_id")
    group_name = serializers.CharField(source="group.name")
    can_post = serializers.SerializerMethodField()
    house_rules = serializers.CharField(source="group.house_rules")

    class Meta:
        model = Membership
        fields = ["group", "group_name", "status", "role", "muted", "can_post", "house_rules"]

    def get_can_post(self, membership: Membership) -> bool:
        return membership.status == MembershipStatus.ACTIVE


class MessageOutput(serializers.Serializer):
    """A message as the reader sees it: hidden or deleted ones keep their place, not their text."""

    # The context's `viewer_id` is the reader's alumnus id; `member_id` is annotated by
    # selectors.messages_with_author.

    id = serializers.IntegerField()
    member_id = serializers.IntegerField(allow_null=True)
    author_name = serializers.CharField()
    mine = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=["visible", "hidden", "deleted"])
    body = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    editable_until = serializers.SerializerMethodField()

    def get_mine(self, message: Message) -> bool:
        return message.author_id is not None and message.author_id == self.context["viewer_id"]

    def get_body(self, message: Message) -> str | None:
        return message.body if message.state == "visible" else None

    def get_editable_until(self, message: Message) -> dt.datetime | None:
        shown = message.state == "visible" and self.get_mine(message)
        return message.editable_until if shown else None


class MessagesOutput(serializers.Serializer):
    version = serializers.IntegerField()
    membership = MembershipOutput()
    messages = MessageOutput(many=True)
    changed = MessageOutput(many=True)
    has_more_before = serializers.BooleanField()
    has_more_after = serializers.BooleanField()
