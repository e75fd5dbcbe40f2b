"""Disparity across user groups: a metric's rate per segment of the traffic against the rest."""
