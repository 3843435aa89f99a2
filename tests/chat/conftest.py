"""Chat tests publish nothing; they reuse the push tests' subscriptions and VAPID key."""

from tests.push.conftest import subscribe, vapid_key

__all__ = ["subscribe", "vapid_key"]
