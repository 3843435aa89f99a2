"""Community groups where alumni talk to each other: membership, messages, moderation, push."""
