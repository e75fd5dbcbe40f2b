"""Where notifications go: signed webhooks, Slack incoming webhooks, PagerDuty Events API v2."""
