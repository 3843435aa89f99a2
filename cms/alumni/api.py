"""The alumni JSON API: one view per operation; the rules live in services and selectors."""

from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from cms.alumni import selectors, services
from cms.alumni.export import export_csv, export_sections, jst_datetime
from cms.alumni.models import Alumnus
from cms.alumni.permissions import (
    HasFreshSignIn,
    HasFreshSignInToDelete,
    IsAlumnus,
    request_alumnus,
)
from cms.alumni.serializers import (
    AlumniMessageOutput,
    EmailConfirmInput,
    ExportReadableOutput,
    LoginCodeInput,
    PrivacyNoticeOutput,
    ProfileOutput,
    ProfileUpdateInput,
    RegistrationInput,
    RegistrationOutput,
    SessionInput,
    SessionOutput,
    SessionsEndedOutput,
    SessionStateOutput,
)
from cms.alumni.sessions import alumni_session_begin
from cms.api_errors import ServiceAPIView

ERRORS = {
    400: OpenApiResponse(AlumniMessageOutput, description="入力の誤り（detail と errors）"),
    413: OpenApiResponse(AlumniMessageOutput, description="送信内容が大きすぎる"),
}
THROTTLED = {429: OpenApiResponse(AlumniMessageOutput, description="試行が多すぎる（Retry-After）")}
SIGNED_IN = {401: OpenApiResponse(AlumniMessageOutput, description="ログインしていない")}
FRESH = {
    403: OpenApiResponse(
        AlumniMessageOutput, description="前回のログインから 1 日以上（errors.fresh_login）"
    )
}


class AlumniAPIView(ServiceAPIView):
    """An alumni API view; `alumnus()` is the signed-in alumnus where IsAlumnus let it through."""

    def alumnus(self) -> Alumnus:
        alumnus = request_alumnus(self.request)
        assert alumnus is not None  # IsAlumnus let the request through
        return alumnus


def _client_ip(request: Request) -> str:
    return services.client_ip(request.META)


def profile_data(alumnus: Alumnus) -> dict[str, Any]:
    names = [str(name) for name in ProfileOutput().fields if name != "pending_email"]
    data: dict[str, Any] = {name: getattr(alumnus, name) for name in names}
    data["pending_email"] = selectors.alumnus_pending_email(alumnus=alumnus)
    return data


PURPOSES = [
    "カムバック採用やお知らせなど、県からの情報をお届けするため",
    "アルムナイ同士の交流（グループ）を提供するため",
    "同意いただいた場合に限り、利用状況からカムバック採用の見込みを推計するため",
]
RETAINED = [
    "退会後も、登録経路ごとの件数（個人を特定しない統計）は保持します。",
    "人事課の名簿（在職時の記録）は、退会によって削除されません。",
]


class PrivacyNoticeView(AlumniAPIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=PrivacyNoticeOutput, summary="利用目的とプライバシーポリシーの版")
    def get(self, request: Request) -> Response:
        return Response(
            {
                "version": settings.ALUMNI_PRIVACY_NOTICE_VERSION,
                "purposes": PURPOSES,
                "retained_after_deletion": RETAINED,
            }
        )


class RegistrationCreateView(AlumniAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=RegistrationInput,
        responses={201: RegistrationOutput, **ERRORS},
        summary="登録（招待コードあり、または人事課の承認待ち）",
    )
    def post(self, request: Request) -> Response:
        values = self.validated(RegistrationInput)
        values.pop("accept_privacy_notice")
        alumnus = services.registration_create(
            invitation_code=values.pop("invitation_code", "") or None, **values
        )
        return Response({"status": alumnus.status}, status=status.HTTP_201_CREATED)


# The same answer whatever the address and whatever the mail server does: the mail is sent by
# a task on the "mail" queue, after the response.
LOGIN_CODE_QUEUED = (
    "登録済みのアドレスであれば、確認コードをメールでお送りします。"
    "数分たっても届かないときは、もう一度お試しください。"
)


class LoginCodeRequestView(AlumniAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=LoginCodeInput,
        responses={202: AlumniMessageOutput, **ERRORS, **THROTTLED},
        summary="ログイン用の確認コードをメールで送る（登録の有無にかかわらず 202）",
    )
    def post(self, request: Request) -> Response:
        data = self.validated(LoginCodeInput)
        services.login_code_request(email=data["email"], ip=_client_ip(request))
        return Response(
            {"detail": LOGIN_CODE_QUEUED},
            status=status.HTTP_202_ACCEPTED,
        )


class SessionView(AlumniAPIView):
    permission_classes = [AllowAny]

    def get_authenticators(self) -> list[Any]:
        # Signing in needs no CSRF token (there is no session yet); signing out does.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(
        request=SessionInput,
        responses={200: SessionOutput, **ERRORS, **THROTTLED},
        summary="確認コードでログイン（新しいセッションと CSRF トークン）",
    )
    def post(self, request: Request) -> Response:
        data = self.validated(SessionInput)
        alumnus = services.login_code_verify(
            email=data["email"],
            code=data["code"],
            ip=_client_ip(request),
        )
        login(request._request, alumnus.user, backend="django.contrib.auth.backends.ModelBackend")
        alumni_session_begin(request._request)
        return Response(
            {"csrf_token": get_token(request._request), "profile": profile_data(alumnus)}
        )

    @extend_schema(
        responses={200: SessionStateOutput},
        summary="ログイン状態と CSRF トークン（画面の読み込み時）",
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "signed_in": request_alumnus(request) is not None,
                "csrf_token": get_token(request._request),
                "session_days": settings.ALUMNI_SESSION_DAYS,
            }
        )

    @extend_schema(
        request=None, responses={204: None}, summary="ログアウト（サーバー側でセッションを終了）"
    )
    def delete(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionsEndView(AlumniAPIView):
    permission_classes = [IsAlumnus]

    @extend_schema(
        request=None,
        responses={200: SessionsEndedOutput, **SIGNED_IN},
        summary="すべての端末からログアウト（この端末を含む全セッションを終了）",
    )
    def delete(self, request: Request) -> Response:
        ended = services.alumnus_sessions_end(alumnus=self.alumnus())
        logout(request._request)
        return Response(
            {
                "detail": f"すべての端末からログアウトしました（終了したログイン: {ended} 件）。"
                "次に使うときは、メールに届く確認コードでログインしてください。",
                "ended": ended,
            }
        )


class MeView(AlumniAPIView):
    permission_classes = [IsAlumnus, HasFreshSignInToDelete]

    @extend_schema(responses={200: ProfileOutput, **SIGNED_IN}, summary="自分の登録情報")
    def get(self, request: Request) -> Response:
        return Response(profile_data(self.alumnus()))

    @extend_schema(
        request=ProfileUpdateInput,
        responses={200: ProfileOutput, **ERRORS, **SIGNED_IN, **THROTTLED},
        summary="登録情報の変更（新しいメールアドレスは確認コードの入力後に有効）",
    )
    def patch(self, request: Request) -> Response:
        changes = self.validated(ProfileUpdateInput, partial=True)
        new_email = changes.pop("email", None)
        alumnus = services.alumnus_update(
            alumnus=self.alumnus(), changes=changes, new_email=new_email, ip=_client_ip(request)
        )
        return Response(profile_data(alumnus))

    @extend_schema(
        request=None,
        responses={204: None, **SIGNED_IN, **FRESH},
        summary="退会（アカウントと個人データを削除し、全セッションを終了）",
    )
    def delete(self, request: Request) -> Response:
        services.alumnus_delete(alumnus=self.alumnus())
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailConfirmView(AlumniAPIView):
    permission_classes = [IsAlumnus]

    @extend_schema(
        request=EmailConfirmInput,
        responses={200: ProfileOutput, **ERRORS, **SIGNED_IN, **THROTTLED},
        summary="新しいメールアドレスを確認コードで有効にする",
    )
    def post(self, request: Request) -> Response:
        data = self.validated(EmailConfirmInput)
        alumnus = services.alumnus_email_confirm(
            alumnus=self.alumnus(), code=data["code"], ip=_client_ip(request)
        )
        return Response(profile_data(alumnus))


class MeExportView(AlumniAPIView):
    permission_classes = [IsAlumnus, HasFreshSignIn]

    @extend_schema(
        responses={
            200: OpenApiResponse(description="保有する全データ（JSON）"),
            **SIGNED_IN,
            **FRESH,
        },
        summary="自分のデータの開示（JSON）",
    )
    def get(self, request: Request) -> Response:
        response = Response(selectors.alumnus_export(alumnus=self.alumnus()))
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        response["Cache-Control"] = "no-store"
        return response


class MeExportReadableView(AlumniAPIView):
    permission_classes = [IsAlumnus, HasFreshSignIn]

    @extend_schema(
        responses={200: ExportReadableOutput, **SIGNED_IN, **FRESH},
        summary="自分のデータの開示（日本語の項目名と日本時間の日時、印刷用の画面向け）",
    )
    def get(self, request: Request) -> Response:
        data = selectors.alumnus_export(alumnus=self.alumnus())
        response = Response(
            {"generated_at": jst_datetime(timezone.now()), "sections": export_sections(data=data)}
        )
        response["Cache-Control"] = "no-store"
        return response


class MeExportCSVView(AlumniAPIView):
    permission_classes = [IsAlumnus, HasFreshSignIn]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(
                description="区分・項目・内容の表（UTF-8, BOM 付き）"
            ),
            **SIGNED_IN,
            **FRESH,
        },
        summary="自分のデータの開示（CSV、Excel で開けます）",
        operation_id="me_export_csv_retrieve",
    )
    def get(self, request: Request) -> HttpResponse:
        data = selectors.alumnus_export(alumnus=self.alumnus())
        response = HttpResponse(
            export_csv(sections=export_sections(data=data)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="my-data-{timezone.localdate():%Y%m%d}.csv"'
        )
        response["Cache-Control"] = "no-store"
        return response
