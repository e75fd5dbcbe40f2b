"""The notifier: group -> inhibit -> silence -> dedup -> outbox, then deliver with retry -> record."""
