"""Consumer groups with group management, through confluent-kafka
(librdkafka): members share a topic's partitions with the range, roundrobin
and cooperative-sticky assignors and take over from a member that leaves or
crashes without ever owning a partition twice; commits survive broker
restarts; a static member comes back without a rebalance; two groups each
read every record; the admin APIs see live groups; and the coordinator
answers bad group requests with Kafka's errors while the group stays usable.
"""

import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import pytest
from confluent_kafka import Consumer, KafkaError, TopicPartition
from kafka.admin import KafkaAdminClient

import confluent_helpers as ck
from kafka_wire import RawConnection, Writer

HERE = pathlib.Path(__file__).resolve().parent
TOPIC = "shared"
PARTITIONS = 6
# Kafka's default initial delay is 3 s; a shorter one keeps the tests quick
# without changing what they check.
FAST_GROUPS = ["--set", "group.initial.rebalance.delay.ms=300"]


def produce(bs, values, partition=None, spread=False):
    """Produces values to TOPIC: all to `partition`, round-robin over the
    partitions when `spread` (librdkafka's sticky partitioner may otherwise
    put every keyless record in one partition), else where librdkafka picks."""
    prod = ck.producer(bs)
    for i, v in enumerate(values):
        kwargs = {"partition": i % PARTITIONS} if spread else {} if partition is None else {"partition": partition}
        prod.produce(TOPIC, value=v, **kwargs)
    assert prod.flush(60) == 0


def first_record(bs, conf):
    """The first record a new member of the group in `conf` reads, or None."""
    c = ck.consumer(bs, conf)
    c.subscribe([TOPIC])
    first = None
    deadline = time.monotonic() + 60
    while first is None and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            first = m
    c.close()
    return first


def wait_until(condition, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Ownership:
    """Which member owns which partition, as the members' rebalance callbacks
    report it; an assignment of a partition another member still owns is
    recorded as a violation."""

    def __init__(self):
        self.lock = threading.Lock()
        self.owned = {}
        self.violations = []

    def assign(self, member, partitions):
        with self.lock:
            for p in partitions:
                for other, theirs in self.owned.items():
                    if other != member and p in theirs:
                        self.violations.append((member, other, p))
            self.owned.setdefault(member, set()).update(partitions)

    def revoke(self, member, partitions):
        with self.lock:
            self.owned.get(member, set()).difference_update(partitions)

    def snapshot(self):
        with self.lock:
            return {m: set(ps) for m, ps in self.owned.items() if ps}


class Member(threading.Thread):
    """One group member polling in its own thread."""

    def __init__(self, name, bootstrap, group, ownership, extra=None):
        super().__init__(daemon=True)
        self.name = name
        self.ownership = ownership
        self.records = []
        self.errors = []
        self.stop_event = threading.Event()
        conf = {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 300,
        }
        conf.update(extra or {})
        self.consumer = Consumer(conf)

    def run(self):
        c = self.consumer

        def on_assign(_, parts):
            self.ownership.assign(self.name, {p.partition for p in parts})

        def on_revoke(_, parts):
            self.ownership.revoke(self.name, {p.partition for p in parts})

        c.subscribe([TOPIC], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
        while not self.stop_event.is_set():
            m = c.poll(0.1)
            if m is None:
                continue
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    self.errors.append(m.error())
                continue
            self.records.append((m.partition(), m.offset(), m.value()))
        c.close()
        self.ownership.revoke(self.name, set(range(PARTITIONS)))

    def stop(self):
        self.stop_event.set()
        self.join(30)
        assert not self.is_alive(), f"member {self.name} did not stop"


def sizes(ownership):
    return sorted(len(ps) for ps in ownership.snapshot().values())


def covered(ownership):
    out = set()
    for ps in ownership.snapshot().values():
        out |= ps
    return out


@pytest.mark.parametrize("assignor", ["range", "roundrobin", "cooperative-sticky"])
def test_three_members_share_then_two_take_over(broker_factory, assignor):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, PARTITIONS)
    produce(bs, [f"r{i}".encode() for i in range(120)])
    own = Ownership()
    extra = {"partition.assignment.strategy": assignor}
    members = [Member(f"m{i}", bs, f"share-{assignor}", own, extra) for i in range(3)]
    for m in members:
        m.start()
    wait_until(lambda: sizes(own) == [2, 2, 2] and covered(own) == set(range(PARTITIONS)), what="2 partitions each")
    members[2].stop()
    wait_until(lambda: sizes(own) == [3, 3] and covered(own) == set(range(PARTITIONS)), what="3 partitions each")
    wait_until(lambda: len({r[2] for m in members for r in m.records}) == 120, what="every record consumed")
    for m in members[:2]:
        m.stop()
    assert own.violations == []
    assert all(not m.errors for m in members), [m.errors for m in members]


def start_worker(bs, group, out_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, str(HERE / "group_worker_confluent.py"), bs, TOPIC, group],
                            stdout=open(out_path, "w"), stderr=subprocess.STDOUT, env=env)


def processed(path):
    """The values a worker processed ("OK <value>" lines, each printed before its commit)."""
    return {line.split()[1] for line in open(path) if line.startswith("OK ")}


def test_no_record_lost_when_a_member_crashes(broker_factory, tmp_path):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, PARTITIONS)
    values = [f"v{i}" for i in range(600)]
    produce(bs, [v.encode() for v in values], spread=True)
    outs = [tmp_path / f"worker{i}.out" for i in range(3)]
    workers = [start_worker(bs, "crashers", out) for out in outs]
    try:
        wait_until(lambda: len(processed(outs[0])) >= 20, what="worker 0 processing")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        wait_until(lambda: set().union(*(processed(o) for o in outs)) >= set(values), timeout=90,
                   what="every record processed by the group")
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(30)
    # What the group committed covers the whole topic.
    c = ck.consumer(bs, {"group.id": "crashers"})
    try:
        got = c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=30)
    finally:
        c.close()
    ends = [hi for _, hi in ck.watermarks(bs, TOPIC, PARTITIONS)]
    assert [tp.offset for tp in got] == ends


@pytest.mark.parametrize("sigkill", [False, True])
def test_member_resumes_at_commit_after_broker_restart(broker_factory, sigkill):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, 1)
    produce(bs, [f"n{i}".encode() for i in range(20)], partition=0)
    conf = {"group.id": "resume", "enable.auto.commit": False}
    c = ck.consumer(bs, conf)
    c.subscribe([TOPIC])
    seen = []
    deadline = time.monotonic() + 60
    while len(seen) < 8 and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            seen.append(m.offset())
            c.commit(message=m, asynchronous=False)
    c.close()
    assert seen == list(range(8))
    broker.restart(sigkill=sigkill)
    ck.wait_for_topic(bs, TOPIC, 1)
    first = first_record(bs, conf)
    assert first is not None and first.offset() == 8 and first.value() == b"n8"


def test_static_member_rejoins_without_rebalance(broker_factory):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, 4)
    own = Ownership()
    events = []

    def static(name):
        return {"group.instance.id": name, "session.timeout.ms": 20000, "partition.assignment.strategy": "range"}

    a = Member("a", bs, "statics", own, static("a"))
    b = Member("b", bs, "statics", own, static("b"))
    a.start()
    b.start()
    wait_until(lambda: sizes(own) == [2, 2], what="2 partitions each")
    before = own.snapshot()
    # From here on, any callback on member a would mean a rebalance.
    original_assign, original_revoke = own.assign, own.revoke

    def watch_assign(member, parts):
        events.append(("assign", member, sorted(parts)))
        original_assign(member, parts)

    def watch_revoke(member, parts):
        if parts:
            events.append(("revoke", member, sorted(parts)))
        original_revoke(member, parts)

    own.assign, own.revoke = watch_assign, watch_revoke
    b.stop()  # a static member closing does not leave the group
    events.clear()
    b2 = Member("b", bs, "statics", own, static("b"))
    b2.start()
    wait_until(lambda: own.snapshot().get("b") == before["b"], what="b's partitions back")
    time.sleep(2)  # several heartbeats: a would have been told to rebalance by now
    a.stop()
    b2.stop()
    assert [e for e in events if e[1] == "a" and e[0] == "assign"] == []
    assert own.violations == []


def test_two_groups_each_receive_every_record(broker_factory):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, 3)
    values = {f"both-{i}".encode() for i in range(90)}
    produce(bs, values)
    own = Ownership()
    members = [Member(f"{g}-{i}", bs, g, own) for g in ("billing", "audit") for i in range(2)]
    for m in members:
        m.start()
    for g in ("billing", "audit"):
        mine = [m for m in members if m.name.startswith(g)]
        wait_until(lambda: {r[2] for m in mine for r in m.records} == values, what=f"group {g} reading all")
    for m in members:
        m.stop()


def test_admin_sees_live_groups(broker_factory):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, PARTITIONS)
    own = Ownership()
    members = [Member(f"m{i}", bs, "watched", own, {"client.id": f"client-{i}"}) for i in range(2)]
    for m in members:
        m.start()
    wait_until(lambda: sizes(own) == [3, 3], what="a stable group")

    # confluent-kafka's list_groups (ListGroups + DescribeGroups).
    listed = {g.id: g for g in ck.admin(bs).list_groups(timeout=30)}
    g = listed["watched"]
    assert g.state == "Stable" and g.protocol_type == "consumer" and g.protocol == "range"
    assert sorted(m.client_id for m in g.members) == ["client-0", "client-1"]
    assert all(m.client_host.startswith("/127.0.0.1") and m.assignment for m in g.members)

    kp = KafkaAdminClient(bootstrap_servers=bs)
    try:
        [desc] = kp.describe_consumer_groups(["watched"])
        assert desc.state == "Stable" and len(desc.members) == 2
        assigned = set()
        for m in desc.members:
            for topic, parts in m.member_assignment.assignment:
                assert topic == TOPIC
                assigned |= set(parts)
        assert assigned == set(range(PARTITIONS))
        assert ("watched", "consumer") in kp.list_consumer_groups()
        # A group with members cannot be deleted.
        [(gid, err)] = kp.delete_consumer_groups(["watched"])
        assert err.__name__ == "NonEmptyGroupError"
        c = members[0].consumer
        for m in members:
            m.stop()
        del c
        [desc] = kp.describe_consumer_groups(["watched"])
        assert desc.state == "Empty" and desc.members == []
        [(gid, err)] = kp.delete_consumer_groups(["watched"])
        assert err.__name__ == "NoError"
        [desc] = kp.describe_consumer_groups(["watched"])
        assert desc.state == "Dead"
    finally:
        kp.close()


# --- raw protocol: the coordinator's answers to bad group requests --------

API_OFFSET_COMMIT, API_JOIN, API_HEARTBEAT, API_LEAVE, API_SYNC = 8, 11, 12, 13, 14
NONE, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID = 0, 22, 23, 25
MEMBER_ID_REQUIRED = 79


def join_v5(conn, group, member_id, protocols, protocol_type="consumer"):
    w = Writer().string(group).int32(6000).int32(10000).string(member_id).nullable_string(None)
    w.string(protocol_type).int32(len(protocols))
    for name, metadata in protocols:
        w.string(name).int32(len(metadata)).raw(metadata)
    r = conn.request(API_JOIN, 5, w.getvalue())
    r.int32()  # throttle
    error, generation = r.int16(), r.int32()
    protocol, leader, member = r.string(), r.string(), r.string()
    members = []
    for _ in range(r.int32()):
        mid = r.string()
        n = r.int16()  # nullable group_instance_id: length, -1 for null
        if n >= 0:
            r._take(n)
        members.append((mid, r._take(r.int32())))
    return error, generation, protocol, leader, member, members


def sync_v3(conn, group, generation, member_id, assignments):
    w = Writer().string(group).int32(generation).string(member_id).nullable_string(None).int32(len(assignments))
    for mid, data in assignments:
        w.string(mid).int32(len(data)).raw(data)
    r = conn.request(API_SYNC, 3, w.getvalue())
    r.int32()
    return r.int16(), r._take(r.int32())


def heartbeat_v3(conn, group, generation, member_id):
    r = conn.request(API_HEARTBEAT, 3, Writer().string(group).int32(generation).string(member_id)
                     .nullable_string(None).getvalue())
    r.int32()
    return r.int16()


def leave_v3(conn, group, member_id):
    r = conn.request(API_LEAVE, 3, Writer().string(group).int32(1).string(member_id).nullable_string(None).getvalue())
    r.int32()
    top = r.int16()
    errors = []
    for _ in range(r.int32()):
        r.string()
        n = r.int16()
        if n >= 0:
            r._take(n)
        errors.append(r.int16())
    return top, errors


def commit_v7(conn, group, generation, member_id, offset):
    w = Writer().string(group).int32(generation).string(member_id).nullable_string(None)
    w.int32(1).string(TOPIC).int32(1).int32(0).int64(offset).int32(-1).nullable_string(None)
    r = conn.request(API_OFFSET_COMMIT, 7, w.getvalue())
    r.int32()
    assert r.int32() == 1 and r.string() == TOPIC and r.int32() == 1 and r.int32() == 0
    return r.int16()


def join_as_leader(conn, group, metadata=b"\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"):
    error, _, _, _, member, _ = join_v5(conn, group, "", [("range", metadata)])
    assert error == MEMBER_ID_REQUIRED and member
    error, generation, protocol, leader, member2, members = join_v5(conn, group, member, [("range", metadata)])
    assert (error, protocol, leader, member2) == (NONE, "range", member, member)
    assert members == [(member, metadata)]
    return member, generation


def test_bad_group_requests_get_kafka_errors(broker_factory):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, 1)
    host, port = bs.split(":")
    with RawConnection(host, int(port)) as conn:
        # A join without protocols.
        assert join_v5(conn, "raw", "", [])[0] == INCONSISTENT_GROUP_PROTOCOL
        member, generation = join_as_leader(conn, "raw")
        assert sync_v3(conn, "raw", generation, member, [(member, b"assigned")]) == (NONE, b"assigned")
        assert heartbeat_v3(conn, "raw", generation, member) == NONE
        # Commits from strangers and from the past.
        assert commit_v7(conn, "raw", generation, "not-a-member", 1) == UNKNOWN_MEMBER_ID
        assert commit_v7(conn, "raw", generation - 1, member, 1) == ILLEGAL_GENERATION
        assert commit_v7(conn, "raw", -1, "", 1) == ILLEGAL_GENERATION  # only members commit to a live group
        assert heartbeat_v3(conn, "raw", generation + 5, member) == ILLEGAL_GENERATION
        assert commit_v7(conn, "raw", generation, member, 5) == NONE
        # A different protocol type than the group's.
        assert join_v5(conn, "raw", "", [("range", b"x")], protocol_type="connect")[0] == INCONSISTENT_GROUP_PROTOCOL
        assert leave_v3(conn, "raw", member) == (NONE, [NONE])
        assert leave_v3(conn, "raw", member) == (NONE, [UNKNOWN_MEMBER_ID])

        # A member with a 2 MiB metadata blob: joins, and whatever its sync
        # says, the group goes on serving the next members.
        blob = os.urandom(2 << 20)
        member, generation = join_as_leader(conn, "raw", metadata=blob)
        sync_error, _ = sync_v3(conn, "raw", generation, member, [(member, b"")])
        assert sync_error in (NONE, -1)
        assert leave_v3(conn, "raw", member) == (NONE, [NONE])

    # The group still works for a real client, and resumes at the commit.
    produce(bs, [f"x{i}".encode() for i in range(8)], partition=0)
    first = first_record(bs, {"group.id": "raw"})
    assert first is not None and first.offset() == 5
