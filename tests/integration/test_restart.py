"""Durability across restarts: a clean stop (SIGTERM) keeps every record,
even those acknowledged with acks=1; a crash (SIGKILL) keeps every record
acknowledged with acks=all, at its acknowledged offset, and the log stays
dense and writable."""

import threading
import time

import confluent_helpers as ck
from record_set import Record, assert_round_trip, make_records, seq_of

PARTITIONS = 4


def test_sigterm_restart_keeps_everything(broker):
    topic = "durable"
    ck.create_topic(broker.bootstrap, topic, PARTITIONS)
    records = make_records(11_000, "restart")
    before, after = records[:10_000], records[10_000:]

    prod = ck.producer(broker.bootstrap, {"acks": 1})
    acked, _ = ck.produce_records(prod, topic, before)

    broker.restart()  # SIGTERM; fails unless the exit code is 0

    ck.wait_for_topic(broker.bootstrap, topic, PARTITIONS)
    consumed = ck.consume_all(broker.bootstrap, topic, PARTITIONS, len(before))
    assert_round_trip(before, consumed, PARTITIONS)
    ck.assert_at_acked_offsets(acked, consumed)

    # Writable after the restart, offsets continuing where they stopped.
    prod = ck.producer(broker.bootstrap, {"acks": 1})
    acked2, _ = ck.produce_records(prod, topic, after)
    acked.update(acked2)
    consumed = ck.consume_all(broker.bootstrap, topic, PARTITIONS, len(records))
    assert_round_trip(records, consumed, PARTITIONS)
    ck.assert_at_acked_offsets(acked, consumed)


def test_sigkill_keeps_acks_all_records(broker):
    topic = "crash"
    ck.create_topic(broker.bootstrap, topic, PARTITIONS)
    records = make_records(200_000, "crash")
    # No retries: a record is either acknowledged once or reported failed.
    prod = ck.producer(broker.bootstrap, {"acks": "all", "linger.ms": 2, "retries": 0,
                                          "message.timeout.ms": 10_000})
    acked, failed = {}, []
    stop = threading.Event()

    def on_delivery(seq):
        def cb(err, msg):
            if err is None:
                acked[seq] = (msg.partition(), msg.offset())
            else:
                failed.append(seq)
        return cb

    def run():
        for r in records:
            while not stop.is_set():
                try:
                    prod.produce(topic, value=r.value, key=r.key, headers=list(r.headers),
                                 timestamp=r.timestamp, on_delivery=on_delivery(r.seq))
                    break
                except BufferError:
                    prod.poll(0.05)
            if stop.is_set():
                break
            prod.poll(0)
        prod.flush(30)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 60
    while len(acked) < 5_000 and worker.is_alive():
        assert time.monotonic() < deadline, f"only {len(acked)} records acknowledged in 60 s"
        time.sleep(0.01)
    assert worker.is_alive(), "producer finished all records before the crash; raise the count"
    acked_at_kill = len(acked)
    broker.kill()
    time.sleep(0.5)
    stop.set()
    worker.join(60)
    assert not worker.is_alive(), "producer did not stop"

    broker.start()
    ck.wait_for_topic(broker.bootstrap, topic, PARTITIONS)
    consumed = ck.consume_all(broker.bootstrap, topic, PARTITIONS)
    by_seq = {}
    problems = []
    for c in consumed:
        s = seq_of(c.value)
        if s in by_seq:
            problems.append(f"seq {s} twice: p{by_seq[s].partition}@{by_seq[s].offset} and p{c.partition}@{c.offset}")
        by_seq[s] = c
        want = records[s]
        if (c.key, c.value, c.headers, c.timestamp) != (want.key, want.value, want.headers, want.timestamp):
            problems.append(f"seq {s} at p{c.partition}@{c.offset} differs from what was produced")
    for s, where in acked.items():
        c = by_seq.get(s)
        if c is None:
            problems.append(f"acknowledged seq {s} at p{where[0]}@{where[1]} lost")
        elif (c.partition, c.offset) != where:
            problems.append(f"acknowledged seq {s} at p{where[0]}@{where[1]}, found at p{c.partition}@{c.offset}")
    for p in range(PARTITIONS):
        offs = [c.offset for c in consumed if c.partition == p]
        if offs != list(range(len(offs))):
            problems.append(f"partition {p} offsets not dense from 0: {offs[:5]}...")
    assert not problems, (f"after SIGKILL ({acked_at_kill} acknowledged at the kill, {len(acked)} in the end, "
                          f"{len(failed)} failed, {len(consumed)} on disk):\n  " + "\n  ".join(problems[:25]))

    # The recovered log takes new writes at the next offsets.
    ends = ck.watermarks(broker.bootstrap, topic, PARTITIONS)
    extra = [Record(r.seq + len(records), r.key, r.value, r.headers, r.timestamp) for r in records[:100]]
    acked_extra, _ = ck.produce_records(ck.producer(broker.bootstrap), topic, extra, partition=0)
    offsets = sorted(o for _, o in acked_extra.values())
    assert offsets == list(range(ends[0][1], ends[0][1] + 100)), \
        f"new records on partition 0 at {offsets[:3]}..., expected from {ends[0][1]}"
