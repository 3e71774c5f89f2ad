"""kcat round trip: topic created with confluent-kafka's admin API (kcat has
none), 20,000 keyed records produced from stdin with fixed headers per codec,
read back with kcat's assign-based consumer as JSON, topic deleted.

kcat cannot set per-record headers or timestamps: every record carries the
same headers, and timestamps must fall inside the produce window."""

import json
import subprocess
import time

import pytest

import confluent_helpers as ck
from record_set import Consumed, assert_round_trip, make_records

COUNT = 20_000
PARTITIONS = 6
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
HEADERS = (("client", b"kcat"), ("run", b"round-trip"))


def kcat_features():
    out = subprocess.run(["kcat", "-V"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if "builtin.features=" in line:
            return set(line.split("builtin.features=", 1)[1].rstrip(")").split(","))
    return set()


@pytest.mark.parametrize("codec", CODECS)
def test_round_trip(broker, codec):
    if codec != "none" and codec not in kcat_features():
        pytest.skip(f"this kcat's librdkafka lacks {codec}")
    topic = f"rt-kcat-{codec}"
    ck.create_topic(broker.bootstrap, topic, PARTITIONS)
    records = make_records(COUNT, "kcat", headers=False)
    lines = "".join(f"{r.key.decode()}|{r.value.decode()}\n" for r in records)

    cmd = ["kcat", "-P", "-b", broker.bootstrap, "-t", topic, "-K", "|", "-X", "linger.ms=20"]
    for name, value in HEADERS:
        cmd += ["-H", f"{name}={value.decode()}"]
    if codec != "none":
        cmd += ["-z", codec]
    t0 = int(time.time() * 1000)
    p = subprocess.run(cmd, input=lines, capture_output=True, text=True, timeout=120)
    t1 = int(time.time() * 1000)
    assert p.returncode == 0 and "ERROR" not in p.stderr and "failed" not in p.stderr.lower(), \
        f"kcat -P exit {p.returncode}: {p.stderr[-2000:]}"

    p = subprocess.run(["kcat", "-C", "-b", broker.bootstrap, "-t", topic, "-o", "beginning", "-e", "-J", "-q"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"kcat -C exit {p.returncode}: {p.stderr[-2000:]}"
    consumed = []
    for line in p.stdout.splitlines():
        m = json.loads(line)
        hdrs = m.get("headers") or []
        consumed.append(Consumed(
            m["partition"], m["offset"],
            None if m["key"] is None else m["key"].encode(),
            None if m["payload"] is None else m["payload"].encode(),
            tuple((hdrs[i], hdrs[i + 1].encode()) for i in range(0, len(hdrs), 2)),
            m.get("ts"), {"create": "create", "logappend": "append"}.get(m.get("tstype"), m.get("tstype"))))
    # librdkafka stamps records when produce() is called, inside [t0, t1].
    assert_round_trip(records, consumed, PARTITIONS, exact_timestamps=False, timestamp_range=(t0, t1),
                      expected_headers=HEADERS)

    ck.delete_topic(broker.bootstrap, topic)
    ck.wait_topic_gone(broker.bootstrap, topic)
