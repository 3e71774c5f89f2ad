"""The keyed record set each client round-trips, and the checks its consumed
copy must pass: count, each record exactly once with its key, value, headers
and CreateTime timestamp, offsets dense from 0 in every partition, each key in
one partition and in produce order there.

A record's sequence number is the start of its value ("v000123:"), so a copy
can be checked even when the client cannot carry per-record headers (kcat).
"""

import dataclasses
import hashlib
import time

KEY_COUNT = 97


@dataclasses.dataclass(frozen=True)
class Record:
    seq: int
    key: bytes
    value: bytes
    headers: tuple  # ((name: str, value: bytes), ...)
    timestamp: int  # ms


@dataclasses.dataclass
class Consumed:
    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: tuple
    timestamp: int
    timestamp_type: str  # "create", "append" or "none"


def key_for(seq):
    return f"key-{seq % KEY_COUNT:03d}".encode()


def value_for(seq):
    # ~150 bytes: a readable prefix, hex digits (compress to about half) and a
    # repeated tail (compresses well), so every codec has work to do.
    digest = hashlib.sha256(str(seq).encode()).hexdigest()
    return f"v{seq:06d}:{digest}:{'runnel ' * 8}".encode()


def seq_of(value):
    if len(value) < 8 or value[:1] != b"v" or value[7:8] != b":":
        raise ValueError(f"not a record of this set: {value[:40]!r}")
    return int(value[1:7])


def make_records(count, client, base_ts=None, headers=True):
    """count records; timestamps base_ts + seq (ms), base_ts a minute ago by default
    (well inside any retention, and distinct from the broker's append time)."""
    if base_ts is None:
        base_ts = int(time.time() * 1000) - 60_000
    out = []
    for seq in range(count):
        hdrs = ((("seq", str(seq).encode()), ("client", client.encode()), ("empty", b""))
                if headers else ())
        out.append(Record(seq, key_for(seq), value_for(seq), hdrs, base_ts + seq))
    return out


def check(expected, consumed, partitions, exact_timestamps=True, timestamp_range=None,
          expected_headers=None, limit=25):
    """Returns a list of problems (empty when the copy is right).

    consumed must be in consumption order within each partition.
    expected_headers: when given, the headers every record must carry instead of
    its own (clients that cannot vary headers per record).
    timestamp_range: (lo, hi) in ms when timestamps are the client's clock, not set.
    """
    problems = []

    def problem(msg):
        if len(problems) < limit:
            problems.append(msg)
        elif len(problems) == limit:
            problems.append("... (more problems not shown)")

    if len(consumed) != len(expected):
        problem(f"count: consumed {len(consumed)} records, expected {len(expected)}")

    seen = {}
    by_partition = {}
    key_partition = {}
    for c in consumed:
        by_partition.setdefault(c.partition, []).append(c)
        if not 0 <= c.partition < partitions:
            problem(f"record in partition {c.partition}, topic has {partitions}")
        try:
            seq = seq_of(c.value)
        except ValueError as e:
            problem(f"p{c.partition}@{c.offset}: {e}")
            continue
        if not 0 <= seq < len(expected):
            problem(f"p{c.partition}@{c.offset}: sequence {seq} out of range")
            continue
        if seq in seen:
            first = seen[seq]
            problem(f"duplicate: seq {seq} at p{first.partition}@{first.offset} and p{c.partition}@{c.offset}")
            continue
        seen[seq] = c
        want = expected[seq]
        where = f"seq {seq} (p{c.partition}@{c.offset})"
        if c.key != want.key:
            problem(f"{where}: key {c.key!r}, expected {want.key!r}")
        if c.value != want.value:
            problem(f"{where}: value {c.value[:60]!r}..., expected {want.value[:60]!r}...")
        want_headers = want.headers if expected_headers is None else tuple(expected_headers)
        if tuple(c.headers) != want_headers:
            problem(f"{where}: headers {c.headers!r}, expected {want_headers!r}")
        if c.timestamp_type != "create":
            problem(f"{where}: timestamp type {c.timestamp_type}, expected CreateTime")
        if exact_timestamps and c.timestamp != want.timestamp:
            problem(f"{where}: timestamp {c.timestamp}, expected {want.timestamp}")
        if timestamp_range and (c.timestamp is None or not timestamp_range[0] <= c.timestamp <= timestamp_range[1]):
            problem(f"{where}: timestamp {c.timestamp} outside produce window {timestamp_range}")
        kp = key_partition.setdefault(c.key, c.partition)
        if kp != c.partition:
            problem(f"{where}: key {c.key!r} in partitions {kp} and {c.partition}")

    missing = [s for s in range(len(expected)) if s not in seen]
    if missing:
        problem(f"missing {len(missing)} records, first seqs {missing[:10]}")

    for p, recs in sorted(by_partition.items()):
        offsets = [c.offset for c in recs]
        if offsets != list(range(len(recs))):
            bad = next(i for i, o in enumerate(offsets) if o != i)
            problem(f"partition {p}: offsets not dense from 0: position {bad} has offset {offsets[bad]} "
                    f"(first offsets {offsets[:5]}, {len(recs)} records)")
        last_seq = {}
        for c in recs:
            try:
                seq = seq_of(c.value)
            except ValueError:
                continue
            prev = last_seq.get(c.key)
            if prev is not None and seq <= prev:
                problem(f"partition {p}: key {c.key!r} out of order: seq {seq} after {prev} (offset {c.offset})")
            last_seq[c.key] = seq
    return problems


def assert_round_trip(expected, consumed, partitions, **kwargs):
    problems = check(expected, consumed, partitions, **kwargs)
    assert not problems, "round trip wrong:\n  " + "\n  ".join(problems)
