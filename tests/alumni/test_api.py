"""The alumni API end to end: registration, code login, me, export, delete, and each refusal."""

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from cms.alumni import services
from cms.alumni.models import (
    AccountDeletion,
    Alumnus,
    EligibilitySettings,
    Invitation,
    OneTimeCode,
)
from cms.content.models import ContactSettings
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.fixtures.smtp import SMTPInbox, text_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


def registration(code: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "invitation_code": code,
        "family_name": "宮城",
        "given_name": "花子",
        "family_name_kana": "みやぎ",
        "given_name_kana": "はなこ",
        "email": "hanako@example.jp",
        "birth_date": "1985-04-01",
        "consent_email": True,
        "consent_push": False,
        "consent_analytics": True,
        "privacy_notice_version": "2026-04",
        "accept_privacy_notice": True,
    }
    body.update(overrides)
    return body


def letter_code(**entry: Any) -> str:
    roster_entry = RosterEntryFactory(email="", **entry)
    [(_, code)] = services.invitation_issue_letters(entries=[roster_entry], actor=None)
    return code


def mailed_code(smtp: SMTPInbox, address: str) -> str:
    message = smtp.to(address)[-1]
    found = re.search(r"確認コード: (\d{6})", text_body(message))
    assert found is not None
    return found.group(1)


def sign_in(client: APIClient, smtp: SMTPInbox, email: str, capture: Any) -> dict[str, Any]:
    with capture(execute=True):
        assert client.post("/api/v1/auth/code", {"email": email}, format="json").status_code == 202
    response = client.post(
        "/api/v1/auth/session", {"email": email, "code": mailed_code(smtp, email)}, format="json"
    )
    assert response.status_code == 200, response.json()
    return dict(response.json())


def test_whole_flow_register_login_me_export_delete(
    client: APIClient, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    code = letter_code(birth_date=dt.date(1985, 4, 1), staff_number="A100")

    registered = client.post("/api/v1/registrations", registration(code), format="json")
    assert registered.status_code == 201, registered.json()
    assert registered.json() == {"status": "active"}
    alumnus = Alumnus.objects.get()
    assert alumnus.channel == "letter" and alumnus.roster_entry is not None
    assert alumnus.consent_analytics and not alumnus.consent_push
    assert alumnus.privacy_notice_version == "2026-04"

    session = sign_in(client, smtp, "hanako@example.jp", django_capture_on_commit_callbacks)
    assert session["profile"]["family_name"] == "宮城"
    assert "sessionid" in client.cookies and client.cookies["sessionid"]["httponly"]
    assert client.cookies["sessionid"]["samesite"] == "Lax"
    csrf = {"HTTP_X_CSRFTOKEN": session["csrf_token"]}

    assert client.get("/api/v1/me").json()["email"] == "hanako@example.jp"
    patched = client.patch(
        "/api/v1/me", {"current_region": "東京都", "interests": ["土木"]}, format="json", **csrf
    )
    assert patched.status_code == 200
    assert client.patch("/api/v1/me", {"industry": "IT"}, format="json").status_code == 403

    export = client.get("/api/v1/me/export")
    assert export.status_code == 200
    assert export.json()["profile"]["current_region"] == "東京都"
    assert export.json()["roster"]["staff_number"] == "A100"

    other = APIClient()
    other.force_login(alumnus.user)
    assert client.delete("/api/v1/me", **csrf).status_code == 204
    assert not Alumnus.objects.exists()
    assert not get_user_model().objects.filter(username__startswith="alumnus-").exists()
    assert AccountDeletion.objects.get().channel == "letter"
    assert client.get("/api/v1/me").status_code == 401
    assert other.get("/api/v1/me").status_code == 401


def test_logout_ends_the_session_on_the_server(
    client: APIClient, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory(email="taro@example.jp")
    session = sign_in(client, smtp, "taro@example.jp", django_capture_on_commit_callbacks)
    old_cookie = client.cookies["sessionid"].value

    assert (
        client.delete("/api/v1/auth/session", HTTP_X_CSRFTOKEN=session["csrf_token"]).status_code
        == 204
    )

    replay = APIClient()
    replay.cookies["sessionid"] = old_cookie
    assert replay.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("case", ["wrong", "expired", "used", "reissued", "birth_date"])
def test_bad_invitation_codes_are_refused_and_store_nothing(case: str, client: APIClient) -> None:
    entry = RosterEntryFactory(email="", birth_date=dt.date(1985, 4, 1))
    [(_, code)] = services.invitation_issue_letters(entries=[entry], actor=None)
    body = registration(code)
    if case == "wrong":
        body["invitation_code"] = "ACDE-FGHJ-KMNP-QRTW"
    elif case == "expired":
        Invitation.objects.update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    elif case == "used":
        assert client.post("/api/v1/registrations", body, format="json").status_code == 201
        body["email"] = "someone-else@example.jp"
    elif case == "reissued":
        services.invitation_issue_letters(entries=[entry], actor=None)
    elif case == "birth_date":
        body["birth_date"] = "1985-04-02"
    before = Alumnus.objects.count()

    response = client.post("/api/v1/registrations", body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "招待コードまたは生年月日が正しくありません。"
    assert Alumnus.objects.count() == before


def test_invitation_code_typed_in_lower_case_full_width_and_spaces_works(client: APIClient) -> None:
    code = letter_code()
    typed = (
        code.lower()
        .replace("-", " ")
        .translate({ord(c): ord(c) + 0xFEE0 for c in "abcdefghijklmnopqrstuvwxyz0123456789"})
    )

    assert (
        client.post("/api/v1/registrations", registration(typed), format="json").status_code == 201
    )


def test_era_birth_date_is_accepted(client: APIClient) -> None:
    code = letter_code(birth_date=dt.date(1985, 4, 1))

    response = client.post(
        "/api/v1/registrations", registration(code, birth_date="昭和60年4月1日"), format="json"
    )

    assert response.status_code == 201


def test_an_empty_birth_date_is_asked_for_not_called_a_wrong_format(client: APIClient) -> None:
    code = letter_code()

    response = client.post(
        "/api/v1/registrations", registration(code, birth_date=" "), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["birth_date"] == ["日付を入力してください。"]
    assert not Alumnus.objects.exists()


def test_full_width_copy_of_an_existing_email_is_refused(client: APIClient) -> None:
    AlumnusFactory(email="hanako@example.jp")
    code = letter_code()

    response = client.post(
        "/api/v1/registrations",
        registration(code, email="ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ"),
        format="json",
    )

    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert Alumnus.objects.count() == 1


@pytest.mark.parametrize(
    "field,value",
    [
        ("family_name", "宮城\n"),
        ("given_name", "花\r\nBcc: x@example.jp"),
        ("given_name", "花\u200b子"),
        ("family_name", "\u202e城宮"),
        ("email", "hanako@example.jp\nBcc: evil@example.jp"),
        ("given_name_kana", "Hanako"),
    ],
)
def test_line_breaks_headers_and_invisible_characters_are_refused(
    field: str, value: str, client: APIClient
) -> None:
    code = letter_code()

    response = client.post(
        "/api/v1/registrations", registration(code, **{field: value}), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Alumnus.objects.exists()


def test_a_huge_body_is_refused_with_413(client: APIClient) -> None:
    response = client.post(
        "/api/v1/registrations", registration("x", family_name="あ" * 200_000), format="json"
    )

    assert response.status_code == 413
    assert response.json()["detail"] == "送信内容が大きすぎます。"
    assert not Alumnus.objects.exists()


def test_unknown_and_privileged_fields_are_ignored(client: APIClient) -> None:
    code = letter_code()

    response = client.post(
        "/api/v1/registrations",
        registration(
            code, is_staff=True, is_superuser=True, id=999, status="active", channel="open"
        ),
        format="json",
    )

    assert response.status_code == 201
    alumnus = Alumnus.objects.get()
    assert alumnus.pk != 999 and alumnus.channel == "letter"
    assert not alumnus.user.is_staff and not alumnus.user.is_superuser


def test_without_a_code_registration_is_refused_unless_hr_allows_it(client: APIClient) -> None:
    body = registration("", retired_on="2022-03-31", hired_on="2010-04-01")
    assert client.post("/api/v1/registrations", body, format="json").status_code == 400
    assert not Alumnus.objects.exists()

    EligibilitySettings.objects.update_or_create(
        pk=EligibilitySettings.load().pk, defaults={"allow_open_applications": True}
    )
    response = client.post("/api/v1/registrations", body, format="json")

    assert response.status_code == 201 and response.json() == {"status": "pending"}
    assert Alumnus.objects.get().channel == "open"


def test_ineligible_person_is_refused(client: APIClient) -> None:
    code = letter_code(hired_on=dt.date(2021, 4, 1), retired_on=dt.date(2022, 3, 31))

    response = client.post("/api/v1/registrations", registration(code), format="json")

    assert response.status_code == 400 and "勤続年数" in response.json()["detail"]
    # Whom to ask: the refused person is told HR's contact, as HR set it.
    ContactSettings.objects.update_or_create(
        pk=ContactSettings.load().pk,
        defaults={"department": "総務部 人事課 人材確保班", "phone": "022-211-0000"},
    )
    again = client.post("/api/v1/registrations", registration(code), format="json").json()
    assert "総務部 人事課 人材確保班（電話 022-211-0000）へお問い合わせください" in again["detail"]
    assert not Alumnus.objects.exists()


def test_login_code_request_answers_202_for_unknown_addresses_and_sends_nothing(
    client: APIClient, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/auth/code", {"email": "nobody@example.jp"}, format="json")

    assert response.status_code == 202
    assert smtp.wait_for(1, timeout=0.3) == []


def test_a_used_login_code_is_refused(
    client: APIClient, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory(email="taro@example.jp")
    sign_in(client, smtp, "taro@example.jp", django_capture_on_commit_callbacks)
    code = mailed_code(smtp, "taro@example.jp")

    again = APIClient().post(
        "/api/v1/auth/session", {"email": "taro@example.jp", "code": code}, format="json"
    )

    assert again.status_code == 400
    assert again.json()["detail"] == "確認コードが正しくないか、有効期限が切れています。"


def test_a_login_code_after_ten_minutes_is_refused(
    client: APIClient, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory(email="taro@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/auth/code", {"email": "taro@example.jp"}, format="json")
    code = mailed_code(smtp, "taro@example.jp")
    created = OneTimeCode.objects.get().created_at
    OneTimeCode.objects.update(
        expires_at=created + dt.timedelta(minutes=10) - dt.timedelta(minutes=11)
    )

    response = client.post(
        "/api/v1/auth/session", {"email": "taro@example.jp", "code": code}, format="json"
    )

    assert response.status_code == 400
    assert "sessionid" not in client.cookies


def test_code_guessing_is_stopped_with_429_and_retry_after(
    client: APIClient, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory(email="taro@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/auth/code", {"email": "taro@example.jp"}, format="json")
    right = mailed_code(smtp, "taro@example.jp")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    statuses = [
        client.post(
            "/api/v1/auth/session", {"email": "taro@example.jp", "code": wrong}, format="json"
        ).status_code
        for _ in range(5)
    ]
    blocked = client.post(
        "/api/v1/auth/session", {"email": "taro@example.jp", "code": right}, format="json"
    )

    assert statuses == [400] * 5
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "sessionid" not in client.cookies


def test_code_requests_are_throttled_per_email(client: APIClient, smtp: SMTPInbox) -> None:
    statuses = [
        client.post("/api/v1/auth/code", {"email": "x@example.jp"}, format="json").status_code
        for _ in range(6)
    ]

    assert statuses == [202] * 5 + [429]


def test_a_new_email_takes_effect_only_after_its_code(
    client: APIClient, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory(email="taro@example.jp")
    session = sign_in(client, smtp, "taro@example.jp", django_capture_on_commit_callbacks)
    csrf = {"HTTP_X_CSRFTOKEN": session["csrf_token"]}

    with django_capture_on_commit_callbacks(execute=True):
        patched = client.patch("/api/v1/me", {"email": "new@example.jp"}, format="json", **csrf)
    assert patched.json()["email"] == "taro@example.jp"
    assert patched.json()["pending_email"] == "new@example.jp"
    code = mailed_code(smtp, "new@example.jp")

    confirmed = client.post("/api/v1/me/email/confirm", {"code": code}, format="json", **csrf)

    assert confirmed.status_code == 200
    assert Alumnus.objects.get().email == "new@example.jp"


def test_me_requires_login(client: APIClient) -> None:
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["detail"]


def test_openapi_schema_documents_the_alumni_operations(client: APIClient) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    assert {
        "/api/v1/registrations",
        "/api/v1/auth/code",
        "/api/v1/auth/session",
        "/api/v1/me",
        "/api/v1/me/export",
        "/api/v1/me/export.csv",
        "/api/v1/me/export/readable",
        "/api/v1/auth/sessions",
    } <= set(schema["paths"])
    assert "429" in schema["paths"]["/api/v1/auth/session"]["post"]["responses"]
    assert "email" in schema["components"]["schemas"]["RegistrationInput"]["properties"]


def test_session_state_gives_a_csrf_token_and_says_not_signed_in(client: APIClient) -> None:
    state = client.get("/api/v1/auth/session").json()

    assert state["signed_in"] is False and len(state["csrf_token"]) >= 32
