"""Load: 200 producer clients and 50 consumer clients on one broker at once,
in a few processes. No client sees an error, every consumer gets its whole
partition in order, the broker's memory stays bounded, and it shuts down
cleanly afterwards.

The RSS bound: the test moves ~4 MiB of records. A broker that keeps a
bounded buffer per connection (~500 connections: librdkafka opens a bootstrap
and a node connection per client), a few in-flight requests each of at most
~20 KiB here, and its index mappings needs well under 100 MiB over its idle
size. The bound is idle RSS + 160 MiB: loose enough for allocator slack, tight
enough to catch a buffer sized from a client's limits per connection (500 x
1 MiB) or a leak per request (tens of thousands of requests).
"""

import json
import pathlib
import subprocess
import sys
import threading
import time

import pytest

import confluent_helpers as ck

PARTITIONS = 16
PRODUCER_PROCS, PRODUCERS_PER_PROC = 4, 50
CONSUMER_PROCS, CONSUMERS_PER_PROC = 2, 25
RECORDS_PER_PRODUCER = 150
RSS_HEADROOM_MIB = 160
WORKER = pathlib.Path(__file__).resolve().parent / "load_worker.py"


def established_to(port):
    """Broker-side ESTABLISHED TCP sockets on port (IPv4 loopback)."""
    n = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "01" and int(local.split(":")[1], 16) == port:
                n += 1
    return n


@pytest.mark.slow
def test_many_producers_and_consumers(broker):
    topic = "load"
    ck.create_topic(broker.bootstrap, topic, PARTITIONS)
    idle_rss = broker.rss_kib()
    producers = PRODUCER_PROCS * PRODUCERS_PER_PROC
    consumers = CONSUMER_PROCS * CONSUMERS_PER_PROC
    expected = {str(p): sum(RECORDS_PER_PRODUCER for j in range(producers) if j % PARTITIONS == p)
                for p in range(PARTITIONS)}
    deadline = time.time() + 75

    procs = []
    for i in range(CONSUMER_PROCS):
        procs.append(("consume", subprocess.Popen(
            [sys.executable, str(WORKER), "consume", broker.bootstrap, topic, str(PARTITIONS),
             str(i * CONSUMERS_PER_PROC), str(CONSUMERS_PER_PROC), json.dumps(expected), str(deadline)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for i in range(PRODUCER_PROCS):
        procs.append(("produce", subprocess.Popen(
            [sys.executable, str(WORKER), "produce", broker.bootstrap, topic, str(PARTITIONS),
             str(i * PRODUCERS_PER_PROC), str(PRODUCERS_PER_PROC), str(RECORDS_PER_PRODUCER), str(deadline)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))

    peak = {"rss": idle_rss, "conns": 0}
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            try:
                peak["rss"] = max(peak["rss"], broker.rss_kib())
                peak["conns"] = max(peak["conns"], established_to(broker.kafka_port))
            except (OSError, ValueError):
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        for role, p in procs:
            line = p.stdout.readline().strip()
            assert line == "ready", f"{role} worker did not get ready: {line!r} {p.stderr.read()[-2000:] if p.poll() is not None else ''}"
        connected = established_to(broker.kafka_port)
        for _, p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        results = []
        for role, p in procs:
            out, err = p.communicate(timeout=max(5, deadline - time.time() + 15))
            assert p.returncode == 0, f"{role} worker exited {p.returncode}: {err[-2000:]}"
            results.append((role, json.loads(out.strip().splitlines()[-1])))
    finally:
        sampling.set()
        sampler.join()
        for _, p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    assert connected >= producers + consumers, \
        f"only {connected} connections open with all {producers + consumers} clients ready"
    problems = [f"{role}: {r['error_count']} errors, first {r['errors'][:5]}" for role, r in results if r["error_count"]]
    assert not problems, "\n".join(problems)
    delivered = sum(r.get("delivered", 0) for _, r in results)
    consumed = sum(r.get("consumed", 0) for _, r in results)
    assert delivered == producers * RECORDS_PER_PRODUCER
    assert consumed == sum(expected[str(j % PARTITIONS)] for j in range(consumers))
    assert ck.watermarks(broker.bootstrap, topic, PARTITIONS) == [(0, expected[str(p)]) for p in range(PARTITIONS)]
    grown_mib = (peak["rss"] - idle_rss) / 1024
    print(f"load: {connected} connections when ready (peak {peak['conns']}), RSS idle {idle_rss // 1024} MiB, "
          f"peak {peak['rss'] // 1024} MiB")
    assert grown_mib < RSS_HEADROOM_MIB, \
        f"broker RSS grew {grown_mib:.0f} MiB under load (idle {idle_rss // 1024} MiB), bound {RSS_HEADROOM_MIB} MiB"
