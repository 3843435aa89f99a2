"""Management commands of the analytics domain."""
