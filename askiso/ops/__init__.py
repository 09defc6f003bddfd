"""Running the service: health, readiness, metrics, logs, backups, retention."""
