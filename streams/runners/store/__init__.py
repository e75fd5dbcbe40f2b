"""The store role: raw events, evaluations and dead letters from Kafka into ClickHouse, in small steps.

decode → validate (poison goes to the dead-letter topic) → batch → insert → commit: an offset is
committed only after everything before it in its partition is durably stored.
"""
