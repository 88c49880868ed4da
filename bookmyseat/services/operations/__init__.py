"""What operators need: health for the proxy, figures for Prometheus, backups."""
