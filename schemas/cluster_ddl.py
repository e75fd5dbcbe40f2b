"""The cluster variant of the migrations: the same statements rewritten for a replicated, sharded ClickHouse.

Every `CREATE TABLE t` becomes a replicated local table `t_local` on every node plus a `Distributed` table
`t` over it, so the application keeps reading and writing `t`. Rows are sharded by a hash of the table's
sorting key: duplicates of a row (same key) always land on the same shard, where ReplacingMergeTree and
`FINAL` remove them, exactly as on a single server. A statement this module has no cluster form for is
refused, so a new kind of migration cannot silently run unreplicated on one node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOCAL_SUFFIX = "_local"
REPLICA_PATH = "/clickhouse/tables/{shard}/{database}/{table}"
"""ZooKeeper/Keeper path of each replicated table: the server's `{shard}` macro and the auto macros."""
REPLICA_NAME = "{replica}"

_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9_.{}-]+$")
_CREATE_TABLE = re.compile(r"^CREATE\s+TABLE\s+(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w.`]+)\s*", re.I)
_ENGINE = re.compile(r"\s*ENGINE\s*=\s*(?P<engine>\w+)\s*", re.I)
_ORDER_BY = re.compile(
    r"\bORDER\s+BY\s+(?P<key>.+?)\s*(?=\b(?:PRIMARY\s+KEY|SAMPLE\s+BY|TTL|SETTINGS|COMMENT)\b|$)", re.I | re.S
)
_ALTER_TABLE = re.compile(r"^ALTER\s+TABLE\s+(?P<name>[\w.`]+)\s+(?P<ops>.+)$", re.I | re.S)
_COLUMN_OP = re.compile(r"^(?P<verb>ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR)\s+COLUMN\b", re.I)
_DROP_TABLE = re.compile(r"^DROP\s+TABLE\s+(?P<exists>IF\s+EXISTS\s+)?(?P<name>[\w.`]+)\s*(?P<rest>.*)$", re.I | re.S)
_CREATE_VIEW = re.compile(r"^CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w.`]+)", re.I)
_CREATE_MV = re.compile(
    r"^CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w.`]+)\s+TO\s+(?P<target>[\w.`]+)\s+AS\s+",
    re.I,
)
_FROM = re.compile(r"\bFROM\s+(?P<source>[\w.`(]+)", re.I)


class NoClusterFormError(ValueError):
    """A migration statement this module cannot rewrite for a cluster; extend the rewrite before shipping it."""


@dataclass(frozen=True)
class ClusterDDL:
    """Rewrites single-server DDL for the cluster named `cluster` (a name or a macro such as `{cluster}`)."""

    cluster: str

    def __post_init__(self) -> None:
        if not _CLUSTER_NAME.match(self.cluster):
            raise ValueError(f"not a ClickHouse cluster name: {self.cluster!r}")

    @property
    def on_cluster(self) -> str:
        return f"ON CLUSTER '{self.cluster}'"

    def rewrite(self, statement: str) -> list[str]:
        """The statements that do on the cluster what `statement` does on one server."""
        text = statement.strip()
        if _CREATE_TABLE.match(text):
            return self._create_table(text)
        if match := _ALTER_TABLE.match(text):
            return self._alter_table(match["name"], match["ops"])
        if match := _DROP_TABLE.match(text):
            exists, name, rest = match["exists"] or "", match["name"], match["rest"]
            return [
                f"DROP TABLE {exists}{name} {self.on_cluster} {rest}".strip(),
                f"DROP TABLE {exists}{local(name)} {self.on_cluster} {rest}".strip(),
            ]
        if re.match(r"^CREATE\s+MATERIALIZED\s+VIEW\b", text, re.I):
            return [self._materialized_view(text)]
        if match := _CREATE_VIEW.match(text):
            return [f"{text[: match.end()]} {self.on_cluster}{text[match.end() :]}"]
        if re.match(r"^INSERT\s+INTO\b", text, re.I):
            return [text]
        raise NoClusterFormError(f"no cluster form for: {text[:80]!r}")

    def _create_table(self, text: str) -> list[str]:
        head = _CREATE_TABLE.match(text)
        assert head is not None
        exists, name = head["exists"] or "", head["name"]
        columns_end = closing_paren(text, head.end())
        columns = text[head.end() : columns_end + 1]
        engine = _ENGINE.match(text, columns_end + 1)
        if engine is None:
            raise NoClusterFormError(f"table {name} has no ENGINE clause")
        family, after = engine["engine"], engine.end()
        args = ""
        if text.startswith("(", after):
            args_end = closing_paren(text, after)
            args, after = text[after + 1 : args_end].strip(), args_end + 1
        if not family.endswith("MergeTree") or family.startswith("Replicated"):
            raise NoClusterFormError(f"table {name}: only *MergeTree engines have a replicated form, not {family}")
        replicated_args = ", ".join(part for part in (f"'{REPLICA_PATH}', '{REPLICA_NAME}'", args) if part)
        rest = text[after:]
        order = _ORDER_BY.search(rest)
        return [
            f"CREATE TABLE {exists}{local(name)} {self.on_cluster}\n{columns}\n"
            f"ENGINE = Replicated{family}({replicated_args}){rest}",
            f"CREATE TABLE {exists}{name} {self.on_cluster} AS {local(name)}\n"
            f"ENGINE = Distributed('{self.cluster}', currentDatabase(), '{local(name)}', "
            f"{sharding_key(order['key'] if order else '')})",
        ]

    def _materialized_view(self, text: str) -> str:
        """Per shard: a view on every node reads the shard's `_local` source and writes its `_local` target.

        A view sees the blocks inserted into its source table, and on a cluster those land in the `_local`
        tables, so the view must read and write those; only a single plain `FROM table` has that form."""
        head = _CREATE_MV.match(text)
        sources = _FROM.findall(text)
        if head is None or len(sources) != 1 or sources[0].startswith("(") or re.search(r"\bJOIN\b", text, re.I):
            raise NoClusterFormError("a materialized view needs `TO target AS SELECT ... FROM one_table` (no join)")
        query = _FROM.sub(lambda m: f"FROM {local(m['source'])}", text[head.end() :])
        return f"{text[: head.end('name')]} {self.on_cluster} TO {local(head['target'])} AS {query}"

    def _alter_table(self, name: str, ops: str) -> list[str]:
        """Column changes go to both tables (the Distributed one mirrors the columns); the rest to the data."""
        verbs = [_COLUMN_OP.match(op.strip()) for op in split_top_level(ops)]
        on_local = f"ALTER TABLE {local(name)} {self.on_cluster} {ops}"
        on_distributed = f"ALTER TABLE {name} {self.on_cluster} {ops}"
        if not any(verbs):
            return [on_local]
        if not all(verbs):
            raise NoClusterFormError(f"ALTER TABLE {name} mixes column and data changes; split it in two statements")
        dropping = any(verb["verb"].upper() == "DROP" for verb in verbs if verb)
        return [on_distributed, on_local] if dropping else [on_local, on_distributed]


def local(name: str) -> str:
    """The per-node table behind the Distributed table `name`."""
    return f"{name[:-1]}{LOCAL_SUFFIX}`" if name.endswith("`") else f"{name}{LOCAL_SUFFIX}"


def sharding_key(order_by: str) -> str:
    """A hash of the sorting key, so all copies of a row meet on one shard; random for an unsorted table."""
    key = order_by.strip()
    if key.startswith("(") and closing_paren(key, 0) == len(key) - 1:
        key = key[1:-1].strip()
    return f"cityHash64({key})" if key and key.lower() != "tuple()" else "rand()"


def closing_paren(text: str, start: int) -> int:
    """The index of the parenthesis that closes the one at `start`, skipping quoted text."""
    if not text.startswith("(", start):
        raise NoClusterFormError(f"expected '(' at: {text[start : start + 40]!r}")
    depth, quote = 0, ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "'`\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    raise NoClusterFormError("unbalanced parentheses")


def split_top_level(text: str) -> list[str]:
    """Split on the commas outside parentheses and quotes (the operations of one ALTER)."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for index, char in enumerate(text):
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "'`\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]
