"""The groups tests publish notices like the push tests do: reuse their setup."""

from tests.push.conftest import notice_index, publish, subscribe, vapid_key

__all__ = ["notice_index", "publish", "subscribe", "vapid_key"]
