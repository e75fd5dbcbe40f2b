"""Size limits that are part of the v1 contract: every ingest path enforces the same numbers."""

MAX_BODY_BYTES = 8 * 1024 * 1024
"""Largest request body (after decompression) one ingest call may carry."""

MAX_BATCH_ITEMS = 1000
"""Largest number of events in one ingest call."""

MAX_EVENT_BYTES = 1024 * 1024
"""Largest single event, as JSON bytes."""

MAX_TEXT_CHARS = 200_000
"""Longest input, output, correction or message text."""

MAX_MESSAGES = 256
"""Most chat messages in one input."""

MAX_CONTEXTS = 64
"""Most retrieved passages on one event."""

MAX_CONTEXT_CHARS = 32_000
"""Longest single retrieved passage."""

MAX_LABEL_CHARS = 256
"""Longest short string: model, route, ids, tags, attribute keys."""

MAX_TAGS = 32
"""Most tags on one event."""

MAX_ATTRIBUTES = 64
"""Most attributes on one event."""

MAX_ATTRIBUTE_VALUE_CHARS = 4096
"""Longest attribute value when it is a string."""

MAX_CLOCK_SKEW_HOURS = 24
"""How far in the future an event's `ts` may lie before it is refused as a broken clock."""

EARLIEST_TS = "1970-01-01T00:00:00Z"
"""Earliest event time (and query time) accepted: the Unix epoch, where the store's time columns begin."""

LATEST_QUERY_TS = "2100-01-01T00:00:00Z"
"""Latest time a query may name (`from`, `to`, a silence's end): far past any event's `ts`."""

MAX_TOKENS = 2**32 - 1
"""Largest token count (input, output and their total): the range of the store's UInt32 column."""

MAX_COST_USD = 1_000_000.0
"""Largest cost of one call in USD: anything above is a unit mistake, and sums over it stay finite."""

MIN_INTEGER, MAX_INTEGER = -(2**63), 2**63 - 1
"""Range of an integer attribute value: a signed 64-bit integer, as JSON parsers everywhere read it."""

MAX_NESTING = 32
"""Deepest nesting of free-form JSON in an event (a chat message's content parts and extra keys)."""
