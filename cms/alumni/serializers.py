"""Small input and output serializers of the alumni API, one pair per operation."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from cms.alumni.normalise import (
    normalise_email,
    normalise_kana,
    normalise_name,
    normalise_text,
    parse_japanese_date,
)


def _django_to_drf(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(error.messages)


class NameField(serializers.CharField):
    """A name: NFKC, trimmed by us (not before we look), invisible characters refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 50)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return normalise_name(value)
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None


class KanaField(NameField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return normalise_kana(value)
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None


class EmailAddressField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=254, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return normalise_email(value)
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None


class JapaneseDateField(serializers.DateField):
    """A date as ISO 8601, or as written in Japan (1985/4/1, 昭和60年4月1日, S60.4.1)."""

    default_error_messages = {"required": "日付を入力してください。"}

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            # Left empty (not "in a wrong format"): a required date asks for itself.
            if self.required:
                self.fail("required")
            return None
        if isinstance(value, str) and len(value) <= 20:
            try:
                return parse_japanese_date(value)
            except ValueError:
                pass
        raise serializers.ValidationError(
            "日付の形式が正しくありません（例: 昭和35年4月1日、1960/4/1）。"
        )


class PlainTextField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault("allow_blank", True)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return normalise_name(value) if value.strip() else ""
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None


class CodeField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return normalise_text(super().to_internal_value(data))


class PrivacyNoticeOutput(serializers.Serializer):
    version = serializers.CharField()
    purposes = serializers.ListField(child=serializers.CharField())
    retained_after_deletion = serializers.ListField(child=serializers.CharField())


class RegistrationInput(serializers.Serializer):
    invitation_code = CodeField(required=False, allow_blank=True)
    family_name = NameField()
    given_name = NameField()
    family_name_kana = KanaField()
    given_name_kana = KanaField()
    email = EmailAddressField()
    birth_date = JapaneseDateField()
    former_department = PlainTextField(required=False, max_length=100)
    hired_on = JapaneseDateField(required=False)
    retired_on = JapaneseDateField(required=False)
    consent_email = serializers.BooleanField()
    consent_push = serializers.BooleanField()
    consent_analytics = serializers.BooleanField()
    privacy_notice_version = serializers.CharField(max_length=20)
    accept_privacy_notice = serializers.BooleanField()

    def validate_accept_privacy_notice(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError("プライバシーポリシーへの同意が必要です。")
        return value


class RegistrationOutput(serializers.Serializer):
    status = serializers.CharField(help_text="active: ログインできます / pending: 人事課の承認待ち")


class LoginCodeInput(serializers.Serializer):
    email = EmailAddressField()


class AlumniMessageOutput(serializers.Serializer):
    """An answer or refusal with one Japanese message (the shape of cms/api_errors.py)."""

    detail = serializers.CharField()


class SessionInput(serializers.Serializer):
    email = EmailAddressField()
    code = CodeField(max_length=12)


class ProfileOutput(serializers.Serializer):
    family_name = serializers.CharField()
    given_name = serializers.CharField()
    family_name_kana = serializers.CharField()
    given_name_kana = serializers.CharField()
    email = serializers.CharField()
    pending_email = serializers.CharField(allow_null=True)
    former_department = serializers.CharField()
    retired_on = serializers.DateField(allow_null=True)
    current_region = serializers.CharField()
    industry = serializers.CharField()
    interests = serializers.ListField(child=serializers.CharField())
    consent_email = serializers.BooleanField()
    consent_push = serializers.BooleanField()
    consent_analytics = serializers.BooleanField()
    privacy_notice_version = serializers.CharField()
    channel = serializers.CharField()


class SessionOutput(serializers.Serializer):
    csrf_token = serializers.CharField()
    profile = ProfileOutput()


class ProfileUpdateInput(serializers.Serializer):
    family_name = NameField(required=False)
    given_name = NameField(required=False)
    family_name_kana = KanaField(required=False)
    given_name_kana = KanaField(required=False)
    current_region = PlainTextField(required=False)
    industry = PlainTextField(required=False)
    interests = serializers.ListField(
        child=PlainTextField(allow_blank=False), max_length=20, required=False
    )
    consent_email = serializers.BooleanField(required=False)
    consent_push = serializers.BooleanField(required=False)
    consent_analytics = serializers.BooleanField(required=False)
    email = EmailAddressField(required=False)


class EmailConfirmInput(serializers.Serializer):
    code = CodeField(max_length=12)


class SessionStateOutput(serializers.Serializer):
    signed_in = serializers.BooleanField()
    csrf_token = serializers.CharField()
    session_days = serializers.IntegerField(
        help_text="ログインしたままでいられる日数（最後に使ってから）"
    )


class SessionsEndedOutput(serializers.Serializer):
    detail = serializers.CharField()
    ended = serializers.IntegerField(help_text="終了したセッション（端末）の数")


class ExportRowOutput(serializers.Serializer):
    name = serializers.CharField(help_text="項目名（日本語）")
    value = serializers.CharField(help_text="内容（日時は日本時間、はい／いいえ など）")


class ExportSectionOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField(help_text="区分（日本語）")
    records = serializers.ListField(child=serializers.ListField(child=ExportRowOutput()))


class ExportReadableOutput(serializers.Serializer):
    generated_at = serializers.CharField(help_text="作成日時（日本時間）")
    sections = ExportSectionOutput(many=True)
