"""The chat benchmark's server settings: production's, with a URLconf that adds its baseline."""

from cms.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.chat_urls"
