"""Benchmarks: each module `bench/<name>.py` has a `main()` that prints its figures."""

from typing import Any

OPTIONS: set[str] = set()
"""The options given on the command line (`python -m bench push --profile` -> {"profile"})."""


def staff_client(user: Any, **defaults: Any) -> Any:
    """A test client signed in as a member of staff with the second factor done, as the admin's
    sign-in leaves it (a confirmed TOTP device, verified in the session: django-otp's own login
    stores the same key). The benchmarks measure the screens, not the sign-in."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(**defaults)
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "ベンチマーク"}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
