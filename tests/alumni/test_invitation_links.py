"""The invitation link (mail, letter text and QR) keeps the code out of every server's log."""

from typing import Any
from urllib.parse import urlsplit

from cms.alumni.services import registration_url


def test_the_code_is_in_the_fragment_never_in_the_query_string(settings: Any) -> None:
    url = urlsplit(registration_url(code="ABCD-2345-EFGH"))

    assert url.query == ""
    assert url.fragment == "code=ABCD-2345-EFGH"
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        f"{settings.PWA_BASE_URL}{settings.ALUMNI_REGISTER_PATH}"
    )
