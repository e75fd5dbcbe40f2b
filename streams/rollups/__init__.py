"""Per-minute rollups: measures defined once over raw rows, built for settled minutes, read by every aggregate."""
