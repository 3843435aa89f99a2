"""API routes of the alumni domain, mounted under /api/v1/ by cms.api."""

from django.urls import URLPattern, URLResolver, path

from cms.alumni import api, home_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("privacy-notice", api.PrivacyNoticeView.as_view(), name="alumni-privacy-notice"),
    path("registrations", api.RegistrationCreateView.as_view(), name="alumni-registrations"),
    path("auth/code", api.LoginCodeRequestView.as_view(), name="alumni-auth-code"),
    path("auth/session", api.SessionView.as_view(), name="alumni-auth-session"),
    path("auth/sessions", api.SessionsEndView.as_view(), name="alumni-auth-sessions"),
    path("me", api.MeView.as_view(), name="alumni-me"),
    path("me/email/confirm", api.EmailConfirmView.as_view(), name="alumni-me-email-confirm"),
    path("me/export", api.MeExportView.as_view(), name="alumni-me-export"),
    path("me/export.csv", api.MeExportCSVView.as_view(), name="alumni-me-export-csv"),
    path(
        "me/export/readable", api.MeExportReadableView.as_view(), name="alumni-me-export-readable"
    ),
    path("me/home", home_api.MemberHomeView.as_view(), name="alumni-me-home"),
]
