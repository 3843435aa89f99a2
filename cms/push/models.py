"""Web push subscriptions and delivery of notices by push and email."""
