"""API access rules shared by every domain: who counts as a signed-in, active alumnus."""

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

if TYPE_CHECKING:
    from cms.alumni.models import Alumnus


def request_alumnus(request: Request | Any) -> "Alumnus | None":
    """The active Alumnus signed in on this request, or None."""
    from cms.alumni.models import Alumnus, AlumnusStatus

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        alumnus: Alumnus = user.alumnus
    except Alumnus.DoesNotExist:
        return None
    if alumnus.status != AlumnusStatus.ACTIVE:
        return None
    return alumnus


class IsAlumnus(BasePermission):
    """Allows a request signed in as an active alumnus (401 when not signed in, 403 otherwise)."""

    message = "登録済みのアルムナイとしてログインしてください。"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF turns this into 401 for unauthenticated requests
        return request_alumnus(request) is not None


class HasFreshSignIn(BasePermission):
    """After IsAlumnus, for export and deletion: refuses (403, `errors.fresh_login`) a session
    that signed in more than ALUMNI_FRESH_LOGIN_HOURS ago; only the listed methods are checked."""

    methods: tuple[str, ...] = ("GET", "DELETE")

    def has_permission(self, request: Request, view: Any) -> bool:
        from cms.alumni.errors import FreshLoginRequired
        from cms.alumni.sessions import session_is_fresh

        if request.method in self.methods and not session_is_fresh(request._request):
            raise FreshLoginRequired
        return True


class HasFreshSignInToDelete(HasFreshSignIn):
    methods = ("DELETE",)
