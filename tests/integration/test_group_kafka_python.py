"""Consumer groups with kafka-python (issue 5, USERS.md #1 and #4):
- three members share a 6-partition topic with the range and the roundrobin
  assignors, one leaves and the other two take over, and no partition is ever
  owned by two members at once; DescribeGroups, ListGroups, OffsetFetch and
  DeleteGroups agree with what the members saw;
- with commits after processing, a member SIGKILLed mid-way loses no record
  (its partitions resume at its last commit in a survivor);
- a commit survives a broker restart (SIGTERM, SIGKILL) and a new member
  resumes exactly there; running members ride through a restart mid-way;
- two groups on one topic each receive every record, in per-key order;
- a deleted group stays deleted across a restart, its neighbour intact;
- static membership: kafka-python 2.0.2 has no group.instance.id (skipped)."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import pytest
from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.errors import CommitFailedError, GroupIdNotFoundError, KafkaError, NoError, NonEmptyGroupError

HERE = pathlib.Path(__file__).resolve().parent
WORKER = HERE / "group_worker_kafka_python.py"
PARTITIONS = 6
FAST_GROUPS = ["--set", "group.initial.rebalance.delay.ms=500"]
HANG_GUARD = 60.0  # seconds: only against hangs, never a performance bound

ASSIGNORS = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor}
# What each assignor gives three and then two members of one 6-partition topic
# (member ids sorted): the broker must hand the leader the chosen protocol.
EXPECTED = {
    "range": ({frozenset({0, 1}), frozenset({2, 3}), frozenset({4, 5})},
              {frozenset({0, 1, 2}), frozenset({3, 4, 5})}),
    "roundrobin": ({frozenset({0, 3}), frozenset({1, 4}), frozenset({2, 5})},
                   {frozenset({0, 2, 4}), frozenset({1, 3, 5})}),
}


def wait_until(cond, what, timeout=HANG_GUARD, interval=0.05):
    """Polls cond until it holds; what() describes the wait and the state at a timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = cond()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what()}")
        time.sleep(interval)


def create_topic(bs, topic, partitions=PARTITIONS):
    admin = KafkaAdminClient(bootstrap_servers=bs, client_id="runnel-it-groups")
    try:
        resp = admin.create_topics([NewTopic(topic, partitions, 1)], timeout_ms=30_000)
        errors = [(t[0], t[1]) for t in resp.topic_errors if t[1] != 0]
        assert not errors, f"CreateTopics: {resp}"
    finally:
        admin.close()


def produce(bs, topic, values):
    """Sends values round-robin over the partitions; returns {value: (partition, offset)}."""
    producer = KafkaProducer(bootstrap_servers=bs, acks="all", linger_ms=5)
    try:
        futures = [(v, producer.send(topic, value=v.encode(), partition=i % PARTITIONS))
                   for i, v in enumerate(values)]
        producer.flush(60)
        placed = {}
        for v, f in futures:
            md = f.get(timeout=30)
            placed[v] = (md.partition, md.offset)
        return placed
    finally:
        producer.close(10)


class Ownership:
    """Who owns which partition, as the members' rebalance listeners report
    it, and every moment two members held (or consumed from) one partition."""

    def __init__(self):
        self.lock = threading.Lock()
        self.owners = {p: set() for p in range(PARTITIONS)}
        self.by_member = {}
        self.violations = []
        self.consumed = []  # (member, partition, offset, value)
        self.history = []

    def assigned(self, member, parts):
        with self.lock:
            self.history.append((time.monotonic(), member, "assigned", sorted(parts)))
            for p in parts:
                others = self.owners[p] - {member}
                if others:
                    self.violations.append(f"{member} assigned partition {p} while {sorted(others)} own it")
                self.owners[p].add(member)
            self.by_member[member] = set(parts)

    def revoked(self, member, parts):
        with self.lock:
            self.history.append((time.monotonic(), member, "revoked", sorted(parts)))
            for p in parts:
                self.owners[p].discard(member)
            self.by_member[member] = self.by_member.get(member, set()) - set(parts)

    def record(self, member, partition, offset, value):
        with self.lock:
            self.consumed.append((member, partition, offset, value))
            if member not in self.owners[partition]:
                self.violations.append(f"{member} consumed {partition}@{offset} without owning it")
            others = self.owners[partition] - {member}
            if others:
                self.violations.append(f"{member} consumed {partition}@{offset} while {sorted(others)} own it")

    def assignment(self):
        with self.lock:
            return {m: frozenset(ps) for m, ps in self.by_member.items()}

    def values(self):
        with self.lock:
            return {c[3] for c in self.consumed}


class Listener(ConsumerRebalanceListener):
    def __init__(self, ownership, member):
        self.ownership = ownership
        self.member = member

    def on_partitions_revoked(self, revoked):
        self.ownership.revoked(self.member, {tp.partition for tp in revoked})

    def on_partitions_assigned(self, assigned):
        self.ownership.assigned(self.member, {tp.partition for tp in assigned})


class Member(threading.Thread):
    """A kafka-python consumer polling in its own thread (the client is not
    thread-safe, so only this thread touches it), committing after each batch."""

    def __init__(self, bs, topic, group, name, assignor, ownership):
        super().__init__(name=name, daemon=True)
        self.bs, self.topic, self.group, self.member = bs, topic, group, name
        self.assignor = assignor
        self.ownership = ownership
        self.stop_requested = threading.Event()
        self.error = None
        self.commit_failures = 0

    def run(self):
        consumer = None
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=self.bs, group_id=self.group, client_id=self.member,
                partition_assignment_strategy=[self.assignor],
                enable_auto_commit=False, auto_offset_reset="earliest",
                session_timeout_ms=10000, heartbeat_interval_ms=300, max_poll_interval_ms=30000,
                max_poll_records=50, fetch_max_wait_ms=100)
            consumer.subscribe([self.topic], listener=Listener(self.ownership, self.member))
            while not self.stop_requested.is_set():
                batch = consumer.poll(timeout_ms=100)
                for records in batch.values():
                    for r in records:
                        self.ownership.record(self.member, r.partition, r.offset, r.value.decode())
                if batch:
                    try:
                        consumer.commit()
                    except CommitFailedError:
                        self.commit_failures += 1  # a rebalance raced the commit: redelivered later
            # Stopped consuming: from here on this member processes nothing, so
            # it gives its partitions up before LeaveGroup lets others take them.
            self.ownership.revoked(self.member, {tp.partition for tp in consumer.assignment()})
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e
        finally:
            if consumer is not None:
                consumer.close()

    def stop(self):
        self.stop_requested.set()
        self.join(HANG_GUARD)
        assert not self.is_alive(), f"{self.member} did not stop within {HANG_GUARD:.0f} s"
        assert self.error is None, f"{self.member} failed: {self.error!r}"


def settled(ownership, members, expected_sets):
    """The members' current assignments are exactly expected_sets (disjoint, one each)."""
    current = ownership.assignment()
    got = [current.get(m.member, frozenset()) for m in members]
    return len(set(got)) == len(got) and set(got) == expected_sets


@pytest.mark.parametrize("assignor", list(ASSIGNORS))
def test_three_members_share_then_two_take_over(broker_factory, assignor):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    topic, group = f"grp-kp-{assignor}", f"kp-share-{assignor}"
    create_topic(bs, topic)
    first = [f"before-{i}" for i in range(600)]
    produce(bs, topic, first)

    own = Ownership()
    members = [Member(bs, topic, group, f"m{i}", ASSIGNORS[assignor], own) for i in range(3)]
    three, two = EXPECTED[assignor]
    try:
        for m in members:
            m.start()
        wait_until(lambda: settled(own, members, three) and set(first) <= own.values(),
                   lambda: f"three members owning {sorted(map(sorted, three))} and consuming all 600 records; "
                   f"now {own.assignment()}, {len(own.values() & set(first))} consumed")
        for m in members:
            assert m.error is None, f"{m.member} failed: {m.error!r}"
        check_described(bs, group, assignor, own.assignment())

        leaver, survivors = members[2], members[:2]
        leaver.stop()
        wait_until(lambda: settled(own, survivors, two),
                   lambda: f"the two others owning {sorted(map(sorted, two))}; now {own.assignment()}")
        assert own.assignment()[leaver.member] == frozenset()

        second = [f"after-{i}" for i in range(600)]
        produce(bs, topic, second)
        wait_until(lambda: set(second) <= own.values(),
                   lambda: f"the two survivors consuming all 600 records produced after the leave; "
                   f"{len(own.values() & set(second))} consumed")
        late = [c for c in own.consumed if c[3] in set(second) and c[0] == leaver.member]
        assert not late, f"the member that left consumed {late[:5]}"
        for m in survivors:
            m.stop()
    finally:
        for m in members:
            m.stop_requested.set()
        for m in members:
            m.join(HANG_GUARD)

    # Every member committed after processing: the group's offsets are the
    # log ends; then the empty group is described, listed and deleted.
    ends = {p: 200 for p in range(PARTITIONS)}
    wait_until(lambda: committed_offsets(bs, group, topic) == ends,
               lambda: f"committed offsets {committed_offsets(bs, group, topic)} reaching {ends}")
    admin = KafkaAdminClient(bootstrap_servers=bs, client_id="runnel-it-groups-admin")
    try:
        (desc,) = admin.describe_consumer_groups([group])
        assert (desc.group, desc.state, desc.members) == (group, "Empty", []), desc
        assert (group, "consumer") in admin.list_consumer_groups()
        assert admin.delete_consumer_groups([group]) == [(group, NoError)]
        assert group not in [g for g, _ in admin.list_consumer_groups()]
        assert admin.list_consumer_group_offsets(group) == {}
        (desc,) = admin.describe_consumer_groups([group])
        assert (desc.group, desc.state, desc.members) == (group, "Dead", []), desc
        # Deleting it again: Kafka answers GROUP_ID_NOT_FOUND.
        assert admin.delete_consumer_groups([group]) == [(group, GroupIdNotFoundError)]
    finally:
        admin.close()

    assert not own.violations, \
        "a partition was owned by two members at once:\n" + "\n".join(own.violations[:20]) + \
        "\nhistory:\n" + "\n".join(map(str, own.history))
    for m in members:
        assert m.error is None, f"{m.member} failed: {m.error!r}"


def check_described(bs, group, assignor, assignment):
    """DescribeGroups of a stable group: its protocol, and each member's
    assignment as the members' own listeners reported it."""
    admin = KafkaAdminClient(bootstrap_servers=bs, client_id="runnel-it-groups-admin")
    try:
        (desc,) = admin.describe_consumer_groups([group])
        assert (desc.error_code, desc.group, desc.state, desc.protocol_type, desc.protocol) == \
            (0, group, "Stable", "consumer", assignor), desc
        described = {}
        for m in desc.members:
            # Kafka names a member "<client id>-<uuid>" and its host "/<address>".
            assert m.member_id.startswith(m.client_id + "-") and len(m.member_id) > len(m.client_id) + 1, m
            assert m.client_host == "/127.0.0.1", m
            assert m.member_metadata.subscription == [f"grp-kp-{assignor}"], m
            described[m.client_id] = frozenset(p for _, parts in m.member_assignment.assignment for p in parts)
        assert described == assignment, f"DescribeGroups says {described}, the members' listeners {assignment}"
        assert (group, "consumer") in admin.list_consumer_groups()
        # A group with members cannot be deleted, and stays as it was.
        assert admin.delete_consumer_groups([group]) == [(group, NonEmptyGroupError)]
        (again,) = admin.describe_consumer_groups([group])
        assert (again.state, len(again.members)) == ("Stable", 3), again
    finally:
        admin.close()


class Worker:
    """A group_worker_kafka_python.py subprocess and the JSON lines it printed."""

    def __init__(self, bs, topic, group, name, delay_ms):
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), bs, topic, group, name, str(delay_ms)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lock = threading.Lock()
        self.events = []  # (monotonic time read, event)
        self.stderr = ""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.err_reader = threading.Thread(target=self._read_err, daemon=True)
        self.err_reader.start()

    def _read(self):
        for line in self.proc.stdout:
            ev = json.loads(line)
            with self.lock:
                self.events.append((time.monotonic(), ev))

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def snapshot(self, kind=None):
        with self.lock:
            return [(t, e) for t, e in self.events if kind is None or e["ev"] == kind]

    def assignment(self):
        a = self.snapshot("assigned")
        r = self.snapshot("revoked")
        if not a or (r and r[-1][0] >= a[-1][0] and r[-1][1]["parts"]):
            return frozenset()
        return frozenset(a[-1][1]["parts"])

    def records(self):
        return [e for _, e in self.snapshot("rec")]

    def commits(self):
        return [e["offsets"] for _, e in self.snapshot("commit")]

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(HANG_GUARD)

    def terminate(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(HANG_GUARD)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"worker {self.name} ignored SIGTERM for {HANG_GUARD:.0f} s")
        self.reader.join(10)
        self.err_reader.join(10)
        return rc

    def describe(self):
        return f"worker {self.name} (exit {self.proc.poll()}), stderr tail:\n{self.stderr[-2000:]}"


def committed_offsets(bs, group, topic):
    """{partition: offset} committed by group on topic (OffsetFetch)."""
    return {p: o for p, (o, _) in group_offsets(bs, group, topic).items()}


def test_no_record_lost_across_member_crash(broker_factory):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    topic, group = "grp-kp-crash", "kp-crash"
    create_topic(bs, topic)
    values = [f"rec-{i}" for i in range(600)]
    placed = produce(bs, topic, values)
    ends = {p: 1 + max(o for (pp, o) in placed.values() if pp == p) for p in range(PARTITIONS)}

    workers = [Worker(bs, topic, group, f"w{i}", delay_ms=10) for i in range(3)]
    try:
        def stable_three():
            sets = [w.assignment() for w in workers]
            return all(len(s) == 2 for s in sets) and set().union(*sets) == set(range(PARTITIONS))

        victim, survivors = workers[2], workers[:2]
        # Kill the victim mid-way: the group is stable, it has consumed and
        # committed, and much of the topic is still unread.
        wait_until(lambda: stable_three() and len(victim.commits()) >= 2,
                   lambda: "a stable 3-member group whose third member committed twice; "
                   + "; ".join(f"{w.name}: {sorted(w.assignment())}, {len(w.records())} records, "
                               f"{len(w.commits())} commits, exit {w.proc.poll()}" for w in workers))
        for w in workers:
            assert w.proc.poll() is None, w.describe()
        victim.kill()
        killed_at = time.monotonic()
        victim_parts = victim.assignment()
        consumed_before_kill = {e["v"] for w in workers for e in w.records()}
        assert len(consumed_before_kill) < len(values), \
            "every record was consumed before the kill: the crash test proves nothing (slow the workers)"

        # The broker expires the killed member after its session timeout (6 s)
        # and the two survivors take all six partitions over.
        wait_until(lambda: {len(w.assignment()) for w in survivors} == {3}
                   and survivors[0].assignment() | survivors[1].assignment() == set(range(PARTITIONS)),
                   lambda: "the survivors owning 3 partitions each after the crash; "
                   + "; ".join(f"{w.name}: {sorted(w.assignment())}" for w in survivors))
        wait_until(lambda: {e["v"] for w in workers for e in w.records()} >= set(values),
                   lambda: "the group consuming every record; missing "
                   + str(len(set(values) - {e["v"] for w in workers for e in w.records()})))
        wait_until(lambda: committed_offsets(bs, group, topic) == ends,
                   lambda: f"committed offsets reaching the ends {ends}; now {committed_offsets(bs, group, topic)}")
        for w in survivors:
            assert w.terminate() == 0, w.describe()
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.kill()
                w.proc.wait()

    for w in workers:
        bad = [e for _, e in w.snapshot("commit_error")]
        assert not bad, f"{w.name}: commits failed with unexpected errors: {bad[:5]}"

    # Every record was consumed and checked against where the producer put it.
    seen = {}
    for w in workers:
        for e in w.records():
            assert placed[e["v"]] == (e["p"], e["o"]), f"{w.name} read {e} but it was produced at {placed[e['v']]}"
            seen.setdefault(e["v"], []).append(w.name)
    assert set(seen) == set(values), f"lost records: {sorted(set(values) - set(seen))[:20]}"

    # The victim's partitions resumed in a survivor no earlier than the last
    # commit acknowledged before the kill (the victim may have made one more
    # it did not live to print), and no later than one past the last record
    # read before the kill: at-least-once, nothing skipped. (Earlier
    # generations may have moved a partition between members, so the bounds
    # come from every member's output up to the kill.)
    last_commit, last_read = {}, {}
    for w in workers:
        for t, e in w.snapshot("commit"):
            if w is victim or t <= killed_at:  # all the victim printed came before the kill
                for p, o in e["offsets"].items():
                    last_commit[int(p)] = max(last_commit.get(int(p), 0), o)
        for t, e in w.snapshot("rec"):
            if w is victim or t <= killed_at:  # all the victim printed came before the kill
                last_read[e["p"]] = max(last_read.get(e["p"], -1), e["o"])
    for p in victim_parts:
        after = [e["o"] for w in survivors for t, e in w.snapshot("rec") if t > killed_at and e["p"] == p]
        assert after, f"no survivor consumed partition {p} of the killed member"
        resumed = min(after)
        lo, hi = last_commit.get(p, 0), last_read.get(p, -1) + 1
        assert lo <= resumed <= hi, \
            f"partition {p} resumed at {resumed}; {lo} had been committed and {hi - 1} read before the kill"


def test_static_member():
    import kafka
    if "group_instance_id" not in KafkaConsumer.DEFAULT_CONFIG:
        pytest.skip(f"kafka-python {kafka.__version__} has no group_instance_id (static membership, KIP-345); "
                    "test_consumer_groups.py covers it with confluent-kafka")
    pytest.skip(f"kafka-python {kafka.__version__} has group_instance_id, but no static-member case is written for it")



def poll_until_owning(consumer, count):
    """Polls (joining the group; the records returned are dropped, not
    committed) until the consumer owns `count` partitions."""
    def owns():
        consumer.poll(timeout_ms=100)
        return len(consumer.assignment()) == count

    wait_until(owns, lambda: f"the only member owning {count} partitions; owns {consumer.assignment()}")


def retrying(fn, what):
    """fn() retried while the broker answers a retriable error (e.g.
    COORDINATOR_LOAD_IN_PROGRESS right after a restart), as clients do."""
    last = []

    def attempt():
        try:
            return (fn(),)
        except KafkaError as e:
            if not e.retriable:
                raise
            last[:] = [e]
            return None

    return wait_until(attempt, lambda: f"{what} (last error {last})")[0]


def group_offsets(bs, group, topic):
    """{partition: (offset, metadata)} committed by group on topic."""
    admin = KafkaAdminClient(bootstrap_servers=bs, client_id="runnel-it-groups-offsets")
    try:
        got = admin.list_consumer_group_offsets(group)
    finally:
        admin.close()
    return {tp.partition: (m.offset, m.metadata) for tp, m in got.items() if tp.topic == topic}


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_new_member_resumes_at_commit_after_broker_restart(broker_factory, how):
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    topic, group = f"grp-kp-restart-{how}", "kp-restart"
    create_topic(bs, topic)
    values = [f"r-{i}" for i in range(600)]
    placed = produce(bs, topic, values)
    commit_at = {p: 20 + 10 * p for p in range(PARTITIONS)}

    def member():
        return KafkaConsumer(bootstrap_servers=bs, group_id=group, client_id=f"restart-{how}",
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             session_timeout_ms=10000, heartbeat_interval_ms=300, fetch_max_wait_ms=100)

    first = member()
    try:
        first.subscribe([topic])
        poll_until_owning(first, PARTITIONS)
        first.commit({TopicPartition(topic, p): OffsetAndMetadata(o, f"meta-{p}") for p, o in commit_at.items()})
    finally:
        first.close()
    expected = {p: (o, f"meta-{p}") for p, o in commit_at.items()}
    assert group_offsets(bs, group, topic) == expected

    # The commit was acknowledged, so it is durable: after a clean stop and
    # after a crash alike.
    broker.restart(sigkill=(how == "sigkill"))
    got = retrying(lambda: group_offsets(bs, group, topic), "OffsetFetch after the restart")
    assert got == expected, f"committed offsets after the restart {got}, before {expected}"

    second = member()
    read = []
    try:
        second.subscribe([topic])
        remaining = len(values) - sum(commit_at.values())

        def poll():
            for records in second.poll(timeout_ms=100).values():
                read.extend((r.partition, r.offset, r.value.decode()) for r in records)
            return len(read) >= remaining

        wait_until(poll, lambda: f"the new member reading the {remaining} records past the commits; read {len(read)}")
        assert second.poll(timeout_ms=300) == {}, "more records than were produced past the commits"
    finally:
        second.close()
    for p in range(PARTITIONS):
        offsets = [o for pp, o, _ in read if pp == p]
        assert offsets == list(range(commit_at[p], 100)), \
            f"partition {p}: the new member read offsets {offsets[:5]}..{offsets[-3:]}, expected {commit_at[p]}..99"
    for p, o, v in read:
        assert placed[v] == (p, o), f"{v} read at {(p, o)}, produced at {placed[v]}"


def test_two_groups_each_receive_every_record(broker_factory):
    """USERS.md #1: a broadcasting group (auto-commit) and an incident group
    that commits every record one at a time read one keyed topic independently."""
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    topic = "healops-logs"
    create_topic(bs, topic, partitions=3)
    services = ["api", "auth", "billing", "db", "search", "web", "worker"]
    producer = KafkaProducer(bootstrap_servers=bs, acks="all", linger_ms=5)
    try:
        futures = [producer.send(topic, key=services[i % len(services)].encode(),
                                 value=json.dumps({"service": services[i % len(services)], "seq": i}).encode())
                   for i in range(210)]
        producer.flush(60)
        placed = {i: (f.get(timeout=30).partition, f.get(timeout=30).offset) for i, f in enumerate(futures)}
    finally:
        producer.close(10)
    ends = {p: sum(1 for pp, _ in placed.values() if pp == p) for p in range(3)}
    assert all(ends.values()), f"the keys did not spread over the 3 partitions: {ends}"

    results = {}

    def consume(group, one_at_a_time):
        got = []
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=bs, group_id=group, client_id=group, auto_offset_reset="earliest",
                enable_auto_commit=not one_at_a_time, auto_commit_interval_ms=200,
                max_poll_records=1 if one_at_a_time else 500, fetch_max_wait_ms=100,
                session_timeout_ms=10000, heartbeat_interval_ms=300)
            try:
                consumer.subscribe([topic])
                deadline = time.monotonic() + HANG_GUARD
                while len(got) < len(placed) and time.monotonic() < deadline:
                    for records in consumer.poll(timeout_ms=100).values():
                        for r in records:
                            got.append((r.partition, r.offset, r.key.decode(), json.loads(r.value)["seq"]))
                            if one_at_a_time:
                                consumer.commit()
            finally:
                consumer.close()  # with auto-commit on, close commits the last positions
            results[group] = got
        except Exception as e:  # noqa: BLE001 - reported below
            results[group] = e

    threads = [threading.Thread(target=consume, args=("healops-broadcast", False)),
               threading.Thread(target=consume, args=("healops-incidents", True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG_GUARD + 30)
        assert not t.is_alive(), "a consumer thread hung"

    for group, got in results.items():
        assert not isinstance(got, Exception), f"{group}: {got!r}"
        seqs = [s for _, _, _, s in got]
        assert sorted(seqs) == list(range(len(placed))), \
            f"{group} read {len(seqs)} records ({len(set(seqs))} distinct) of {len(placed)}"
        for p, o, key, s in got:
            assert placed[s] == (p, o) and key == services[s % len(services)], (group, p, o, key, s)
        for key in services:
            in_order = [s for _, _, k, s in got if k == key]
            assert in_order == sorted(in_order), f"{group}: {key}'s logs out of order"
        committed = retrying(lambda: group_offsets(bs, group, topic), f"OffsetFetch of {group}")
        assert {p: o for p, (o, _) in committed.items()} == ends, f"{group} committed {committed}, ends {ends}"


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_members_ride_through_broker_restart(broker_factory, how):
    """Three members with commits after processing keep going across a broker
    restart mid-way: the coordinator reloads the group from __consumer_offsets,
    the members rejoin, and every record is consumed with nothing skipped."""
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    topic, group = f"grp-kp-ride-{how}", f"kp-ride-{how}"
    create_topic(bs, topic)
    values = [f"rec-{i}" for i in range(600)]
    placed = produce(bs, topic, values)
    ends = {p: 1 + max(o for (pp, o) in placed.values() if pp == p) for p in range(PARTITIONS)}

    workers = [Worker(bs, topic, group, f"w{i}", delay_ms=10) for i in range(3)]

    def state():
        return "; ".join(f"{w.name}: {sorted(w.assignment())}, {len(w.records())} records, "
                         f"{len(w.commits())} commits, exit {w.proc.poll()}" for w in workers)

    def stable_three():
        sets = [w.assignment() for w in workers]
        return all(len(s) == 2 for s in sets) and set().union(*sets) == set(range(PARTITIONS))

    try:
        wait_until(lambda: stable_three() and all(len(w.commits()) >= 3 for w in workers),
                   lambda: f"a stable 3-member group, every member having committed; {state()}")
        committed_before = group_offsets(bs, group, topic)
        broker.restart(sigkill=(how == "sigkill"))
        restarted_at = time.monotonic()
        consumed_before = {e["v"] for w in workers for e in w.records()}
        assert len(consumed_before) < len(values), "every record was consumed before the restart (slow the workers)"

        wait_until(lambda: {e["v"] for w in workers for e in w.records()} >= set(values),
                   lambda: f"the group consuming every record after the restart; {state()}")
        wait_until(lambda: retrying(lambda: committed_offsets(bs, group, topic), "OffsetFetch") == ends,
                   lambda: f"committed offsets reaching {ends}; {state()}")
        for w in workers:
            assert w.proc.poll() is None, w.describe()
        for w in workers:
            assert w.terminate() == 0, w.describe()
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.kill()
                w.proc.wait()

    for w in workers:
        bad = [e for _, e in w.snapshot("commit_error")]
        assert not bad, f"{w.name}: commits failed with unexpected errors: {bad[:5]}"
        for e in w.records():
            assert placed[e["v"]] == (e["p"], e["o"]), f"{w.name} read {e}, produced at {placed[e['v']]}"

    # After the restart each partition went on from no earlier than what was
    # committed before it: the commits survived (nothing re-read from 0).
    for p in range(PARTITIONS):
        after = [e["o"] for w in workers for t, e in w.snapshot("rec") if t > restarted_at + 0.5 and e["p"] == p]
        floor = committed_before.get(p, (0, ""))[0]
        if after:
            assert min(after) >= floor, \
                f"partition {p} was re-read from {min(after)} after the restart, though {floor} was committed"


def test_deleted_group_stays_deleted_across_restart(broker_factory):
    """DeleteGroups is durable (its removal is logged in __consumer_offsets):
    after a crash and a clean restart the deleted group has no offsets and is
    not listed, while a group next to it keeps its offsets and metadata."""
    broker = broker_factory(extra_args=FAST_GROUPS)
    bs = broker.bootstrap
    topic = "grp-kp-delete"
    create_topic(bs, topic, partitions=3)
    for group in ("kp-keep", "kp-gone"):
        consumer = KafkaConsumer(bootstrap_servers=bs, group_id=group, client_id=group, enable_auto_commit=False,
                                 session_timeout_ms=10000, heartbeat_interval_ms=300, fetch_max_wait_ms=100)
        try:
            consumer.subscribe([topic])
            poll_until_owning(consumer, 3)
            consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(5 + p, f"{group}-{p}") for p in range(3)})
        finally:
            consumer.close()
    kept = {p: (5 + p, f"kp-keep-{p}") for p in range(3)}

    admin = KafkaAdminClient(bootstrap_servers=bs, client_id="runnel-it-groups-admin")
    try:
        assert admin.delete_consumer_groups(["kp-gone"]) == [("kp-gone", NoError)]
    finally:
        admin.close()

    for sigkill in (True, False):
        broker.restart(sigkill=sigkill)
        assert retrying(lambda: group_offsets(bs, "kp-keep", topic), "OffsetFetch after the restart") == kept
        assert group_offsets(bs, "kp-gone", topic) == {}, f"deleted group has offsets after restart (sigkill={sigkill})"
        admin = KafkaAdminClient(bootstrap_servers=bs, client_id="runnel-it-groups-admin")
        try:
            assert sorted(admin.list_consumer_groups()) == [("kp-keep", "consumer")], f"sigkill={sigkill}"
            gone, keep = admin.describe_consumer_groups(["kp-gone", "kp-keep"])
            assert (gone.state, keep.state, keep.protocol_type) == ("Dead", "Empty", "consumer"), (gone, keep)
        finally:
            admin.close()
