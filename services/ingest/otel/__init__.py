"""OpenTelemetry traces into inference events: decoding, the table of conventions, and trace assembly."""
