"""JSON API of the push domain: the VAPID key, subscribing and unsubscribing, opens."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni.permissions import IsAlumnus
from cms.api_errors import ServiceAPIView
from cms.converters import MAX_ID

from . import services
from .models import Channel
from .selectors import vapid_key_current
from .validators import auth_error, endpoint_error, p256dh_error


class PushUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "プッシュ通知は現在準備中です。しばらくしてからお試しください。"


class PushKeyView(ServiceAPIView):
    """The VAPID public key the browser needs for `pushManager.subscribe()`."""

    permission_classes = [AllowAny]

    class PushKeyOutput(serializers.Serializer):
        public_key = serializers.CharField()

    @extend_schema(responses=PushKeyOutput, summary="VAPID 公開鍵", operation_id="push_key")
    def get(self, request: Request) -> Response:
        key = vapid_key_current()
        if key is None:
            raise PushUnavailable()
        return Response(self.PushKeyOutput({"public_key": key.public_key}).data)


class EndpointField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        error = endpoint_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value


class SubscriptionKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=100)
    auth = serializers.CharField(max_length=40)

    def validate_p256dh(self, value: str) -> str:
        error = p256dh_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value

    def validate_auth(self, value: str) -> str:
        error = auth_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value


class PushSubscriptionCreateView(ServiceAPIView):
    """Subscribe this browser for the signed-in alumnus; sending it again refreshes its keys."""

    permission_classes = [IsAlumnus]

    class PushSubscriptionInput(serializers.Serializer):
        endpoint = EndpointField(max_length=1000)
        keys = SubscriptionKeysSerializer()

    @extend_schema(
        request=PushSubscriptionInput,
        responses={
            201: OpenApiResponse(description="購読しました"),
            409: OpenApiResponse(description="この端末は別のアカウントで購読されています"),
        },
        summary="プッシュ通知の購読",
        operation_id="push_subscription_create",
    )
    def post(self, request: Request) -> Response:
        data = self.validated(self.PushSubscriptionInput)
        services.push_subscription_save(
            alumnus=request.user.alumnus,  # type: ignore[union-attr]
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
        )
        return Response({"subscribed": True}, status=status.HTTP_201_CREATED)

    class PushSubscriptionDeleteInput(serializers.Serializer):
        endpoint = serializers.CharField(max_length=1000)

    @extend_schema(
        request=PushSubscriptionDeleteInput,
        responses={204: None},
        summary="プッシュ通知の購読の解除",
        operation_id="push_subscription_delete",
    )
    def delete(self, request: Request) -> Response:
        data = self.validated(self.PushSubscriptionDeleteInput)
        services.push_subscription_delete(
            alumnus=request.user.alumnus,  # type: ignore[union-attr]
            endpoint=data["endpoint"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryOpenView(ServiceAPIView):
    """The PWA reports that a notice was opened from a notification or a mail."""

    permission_classes = [IsAlumnus]

    class DeliveryOpenInput(serializers.Serializer):
        notice = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        channel = serializers.ChoiceField(choices=Channel.choices)

    @extend_schema(
        request=DeliveryOpenInput,
        responses={204: None},
        summary="お知らせの開封の記録",
        operation_id="push_open_create",
    )
    def post(self, request: Request) -> Response:
        data = self.validated(self.DeliveryOpenInput)
        services.delivery_open_record(
            alumnus=request.user.alumnus,  # type: ignore[union-attr]
            item_id=data["notice"],
            channel=data["channel"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
