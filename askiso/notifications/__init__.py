"""In-app notices and their emails (docs/notifications.md)."""
