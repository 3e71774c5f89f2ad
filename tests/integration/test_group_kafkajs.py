"""Consumer groups with kafkajs (node driver in node/groups.js, issue 5):
- three consumers in one group over a 6-partition topic own two partitions
  each (from GROUP_JOIN's memberAssignment), one disconnects and the other two
  own three each; replaying the driver's ordered event log, no partition is
  ever owned by two members at once, nothing is consumed by a member that does
  not own it, and the group consumes every record produced before and after
  the leave; DescribeGroups, ListGroups, OffsetFetch and DeleteGroups through kafkajs's admin API agree;
- with commits after processing, a member process SIGKILLed mid-way loses no
  record: its partitions resume in a survivor at its last commit;
- a stalled member is removed at the rebalance timeout, not the session
  timeout, and rejoins when it wakes;
- members committing after every record ride through a broker SIGKILL and
  restart (USERS.md #3);
- group.max.size: a third member is refused with GROUP_MAX_SIZE_REACHED, the
  group stays healthy."""

import json
import shutil
import signal
import subprocess
import threading
import time

import pytest

PARTITIONS = 6
BEFORE, AFTER = 600, 600
FAST_GROUPS = ["--set", "group.initial.rebalance.delay.ms=500"]


def run_groups(node_dir, job, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (scripts/setup installs it)")
    job_path = tmp_path / "groups.json"
    job_path.write_text(json.dumps(job))
    # The timeout is a hang guard only: groups.js bounds each wait to 60 s itself.
    p = subprocess.run([node, str(node_dir / "groups.js"), str(job_path)], capture_output=True, text=True,
                       timeout=300, cwd=node_dir)
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    (tmp_path / "events.jsonl").write_text(p.stdout)  # kept by pytest for a failure's post-mortem
    assert p.returncode == 0, \
        f"groups.js failed (exit {p.returncode}):\n{p.stderr[-4000:]}\nlast events:\n" + \
        "\n".join(map(json.dumps, events[-30:]))
    return events


def replay(events):
    """Walks the events in order; returns (violations, assignments after each phase marker)."""
    owners = {p: set() for p in range(PARTITIONS)}
    owned = {}
    violations = []
    at_phase = {}
    for i, ev in enumerate(events):
        kind = ev["ev"]
        if kind == "join":
            m = ev["member"]
            for p in owned.get(m, set()):
                owners[p].discard(m)
            for p in ev["parts"]:
                others = owners[p] - {m}
                if others:
                    violations.append(f"event {i}: {m} assigned partition {p} while {sorted(others)} own it")
                owners[p].add(m)
            owned[m] = set(ev["parts"])
        elif kind in ("rebalancing", "left"):
            m = ev["member"]
            for p in owned.get(m, set()):
                owners[p].discard(m)
            owned[m] = set()
        elif kind == "msg":
            m, p = ev["member"], ev["p"]
            if m not in owners[p]:
                violations.append(f"event {i}: {m} consumed {p}@{ev['o']} without owning it")
            others = owners[p] - {m}
            if others:
                violations.append(f"event {i}: {m} consumed {p}@{ev['o']} while {sorted(others)} own it")
        elif kind == "phase":
            at_phase[ev["name"]] = {m: frozenset(s) for m, s in owned.items()}
    return violations, at_phase


def test_three_consumers_share_then_two_take_over(broker_factory, node_dir, tmp_path):
    broker = broker_factory(extra_args=FAST_GROUPS)
    job = {"brokers": [broker.bootstrap], "topic": "grp-kafkajs", "group": "kafkajs-share",
           "partitions": PARTITIONS, "before": BEFORE, "after": AFTER}
    events = run_groups(node_dir, job, tmp_path)

    kinds = [e["ev"] for e in events]
    assert "crash" not in kinds, [e for e in events if e["ev"] == "crash"]
    assert [e["name"] for e in events if e["ev"] == "phase"] == ["three", "leave", "two", "done"]

    violations, at_phase = replay(events)
    assert not violations, "a partition was owned by two members at once:\n" + "\n".join(violations[:20])

    three = at_phase["three"]
    assert sorted(len(three[m]) for m in ("c0", "c1", "c2")) == [2, 2, 2], three
    assert frozenset().union(*three.values()) == frozenset(range(PARTITIONS)), three
    two = at_phase["two"]
    assert two["c2"] == frozenset(), f"c2 still owns {sorted(two['c2'])} after leaving"
    assert len(two["c0"]) == len(two["c1"]) == 3 and two["c0"] | two["c1"] == frozenset(range(PARTITIONS)), two

    joins = [e for e in events if e["ev"] == "join"]
    assert {e["protocol"] for e in joins} == {"RoundRobinAssigner"}, {e["protocol"] for e in joins}
    # The generation that gave 2/2/2 has one leader and three distinct member ids.
    idx_three = next(i for i, e in enumerate(events) if e["ev"] == "phase" and e["name"] == "three")
    last_join = {}
    for e in events[:idx_three]:
        if e["ev"] == "join":
            last_join[e["member"]] = e
    assert sum(1 for e in last_join.values() if e["isLeader"]) == 1, list(last_join.values())
    assert len({e["memberId"] for e in last_join.values()}) == 3, list(last_join.values())

    # DescribeGroups while stable agrees with what the members were given.
    described = [e for e in events if e["ev"] == "described"]
    assert len(described) == 2, described
    stable, empty = described
    assert (stable["errorCode"], stable["state"], stable["protocolType"], stable["protocol"]) == \
        (0, "Stable", "consumer", "RoundRobinAssigner"), stable
    assert {m["memberId"]: m["parts"] for m in stable["members"]} == \
        {e["memberId"]: e["parts"] for e in last_join.values()}, (stable, last_join)
    for m in stable["members"]:
        assert m["topics"] == [job["topic"]] and m["clientHost"] == "/127.0.0.1", m
        assert m["memberId"].startswith(m["clientId"] + "-"), m

    # Then the empty group through kafkajs's admin API: listed, described
    # Empty, offsets at the ends (kafkajs commits after each batch), deleted.
    after = {e.get("step"): e for e in events if e["ev"] == "offsets"}
    per_partition_count = (BEFORE + AFTER) // PARTITIONS
    assert next(e for e in events if e["ev"] == "listed")["groups"] == \
        [{"groupId": job["group"], "protocolType": "consumer"}]
    assert (empty["errorCode"], empty["state"], empty["protocolType"], empty["members"]) == \
        (0, "Empty", "consumer", []), empty
    assert after["after-run"]["offsets"] == {str(p): per_partition_count for p in range(PARTITIONS)}, after
    assert next(e for e in events if e["ev"] == "deleted")["results"] == [{"groupId": job["group"], "errorCode": 0}]
    assert next(e for e in events if e["ev"] == "listed-after-delete")["groups"] == []
    assert after["after-delete"]["offsets"] == {str(p): -1 for p in range(PARTITIONS)}, after

    # Every record was consumed, at the partition the driver produced it to
    # (record i to partition i % 6), and the "after" ones only by the two that stayed.
    msgs = [e for e in events if e["ev"] == "msg"]
    for e in msgs:
        i = int(e["v"].split("-")[1])
        assert e["p"] == i % PARTITIONS, f"{e} read from the wrong partition"
    values = {e["v"] for e in msgs}
    expected = {f"before-{i}" for i in range(BEFORE)} | {f"after-{i}" for i in range(AFTER)}
    assert values == expected, f"missing {sorted(expected - values)[:10]}, unexpected {sorted(values - expected)[:10]}"
    idx_leave = next(i for i, e in enumerate(events) if e["ev"] == "phase" and e["name"] == "leave")
    left = next((i for i, e in enumerate(events) if e["ev"] == "left" and e["member"] == "c2"), None)
    assert left is not None and left > idx_leave, "c2 never had its LeaveGroup answered"
    late = [e for e in events[left:] if e["ev"] == "msg" and e["member"] == "c2"]
    assert not late, f"c2 consumed after leaving: {late[:5]}"
    # Offsets per partition are those of a gapless log: each partition's
    # distinct offsets are 0..n-1.
    per_partition = {}
    for e in msgs:
        per_partition.setdefault(e["p"], set()).add(e["o"])
    for p, offs in per_partition.items():
        assert offs == set(range(len(offs))), f"partition {p}: offsets {sorted(offs)[:5]}... not 0..{len(offs) - 1}"
    assert sum(len(o) for o in per_partition.values()) == BEFORE + AFTER


class NodeMember:
    """A `groups.js member` process and the JSON events it printed."""

    def __init__(self, node, node_dir, tmp_path, job):
        self.name = job["name"]
        job_path = tmp_path / f"member-{self.name}.json"
        job_path.write_text(json.dumps({**job, "action": "member"}))
        self.proc = subprocess.Popen([node, str(node_dir / "groups.js"), str(job_path)], cwd=node_dir,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lock = threading.Lock()
        self.events = []  # (monotonic time read, event)
        self.stderr = ""
        self.readers = [threading.Thread(target=self._read, daemon=True),
                        threading.Thread(target=self._read_err, daemon=True)]
        for t in self.readers:
            t.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("{"):
                with self.lock:
                    self.events.append((time.monotonic(), json.loads(line)))

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def snapshot(self, kind):
        with self.lock:
            return [(t, e) for t, e in self.events if e["ev"] == kind]

    def assignment(self):
        """What it owns now: its last join, unless it is rebalancing since."""
        with self.lock:
            owning = frozenset()
            for _, e in self.events:
                if e["ev"] == "join":
                    owning = frozenset(e["parts"])
                elif e["ev"] == "rebalancing":
                    owning = frozenset()
            return owning

    def msgs(self):
        return [e for _, e in self.snapshot("msg")]

    def commits(self):
        return [e for _, e in self.snapshot("commit")]

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(60)

    def terminate(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"member {self.name} ignored SIGTERM for 60 s")
        for t in self.readers:
            t.join(10)
        return rc

    def describe(self):
        return f"member {self.name} (exit {self.proc.poll()}), stderr tail:\n{self.stderr[-3000:]}"


def wait_until(cond, what, timeout=60.0):
    """Polls cond until it holds (a hang guard, not a time limit); what() describes the state."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what()}")
        time.sleep(0.05)


def test_no_record_lost_across_member_crash(broker_factory, node_dir, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (scripts/setup installs it)")
    broker = broker_factory(extra_args=FAST_GROUPS)
    topic, group, count = "grp-kafkajs-crash", "kafkajs-crash", 600
    base = {"brokers": [broker.bootstrap], "topic": topic, "group": group}
    run_groups(node_dir, {**base, "action": "setup", "partitions": PARTITIONS, "count": count}, tmp_path)
    values = {f"rec-{i}" for i in range(count)}
    ends = {p: count // PARTITIONS for p in range(PARTITIONS)}

    members = [NodeMember(node, node_dir, tmp_path, {**base, "name": f"k{i}", "delayMs": 5}) for i in range(3)]
    victim, survivors = members[2], members[:2]

    def state():
        return "; ".join(f"{m.name}: owns {sorted(m.assignment())}, {len(m.msgs())} msgs, "
                         f"{len(m.commits())} commits, exit {m.proc.poll()}" for m in members)

    try:
        # Kill the victim mid-way: the group is stable, the victim has
        # processed and committed, and much of the topic is still unread.
        wait_until(lambda: sorted(len(m.assignment()) for m in members) == [2, 2, 2]
                   and frozenset().union(*(m.assignment() for m in members)) == frozenset(range(PARTITIONS))
                   and len(victim.commits()) >= 5,
                   lambda: f"a stable 3-member group whose third member committed 5 times; {state()}")
        for m in members:
            assert m.proc.poll() is None, m.describe()
        victim_parts = victim.assignment()
        victim.kill()
        killed_at = time.monotonic()
        assert len({e["v"] for m in members for e in m.msgs()}) < count, \
            "every record was consumed before the kill: the crash test proves nothing (slow the members)"

        # The broker expires the killed member after its session timeout (6 s).
        wait_until(lambda: [len(m.assignment()) for m in survivors] == [3, 3]
                   and survivors[0].assignment() | survivors[1].assignment() == frozenset(range(PARTITIONS)),
                   lambda: f"the survivors owning 3 partitions each after the crash; {state()}")
        wait_until(lambda: {e["v"] for m in members for e in m.msgs()} >= values,
                   lambda: f"the group consuming every record; {state()}")
        wait_until(lambda: run_groups(node_dir, {**base, "action": "offsets"}, tmp_path)[-1]["offsets"]
                   == {str(p): o for p, o in ends.items()},
                   lambda: f"committed offsets reaching {ends}: "
                   f"{run_groups(node_dir, {**base, 'action': 'offsets'}, tmp_path)}")
        for m in survivors:
            assert m.terminate() == 0, m.describe()
    finally:
        for m in members:
            if m.proc.poll() is None:
                m.proc.kill()
                m.proc.wait()

    for m in members:
        crashes = m.snapshot("crash")
        assert not crashes, f"{m.name} crashed: {crashes}\n{m.describe()}"
        failed = [e for _, e in m.snapshot("commit_failed")]
        unexpected = [e for e in failed if e["type"] not in ("REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION")]
        assert not unexpected, f"{m.name}: commits failed with unexpected errors: {unexpected[:5]}"

    seen = {e["v"] for m in members for e in m.msgs()}
    assert seen == values, f"lost {sorted(values - seen)[:20]}, unexpected {sorted(seen - values)[:20]}"
    for m in members:
        for e in m.msgs():
            i = int(e["v"].split("-")[1])
            assert (e["p"], e["o"]) == (i % PARTITIONS, i // PARTITIONS), f"{m.name} read {e} from the wrong place"

    # The victim's partitions resumed in a survivor no earlier than the last
    # commit acknowledged before the kill (the victim may have made one more
    # it did not live to print), and no later than one past the last record
    # processed before the kill: at-least-once, nothing skipped. (Earlier
    # generations may have moved a partition between members, so the bounds
    # come from every member's output up to the kill.)
    last_commit, last_read = {}, {}
    for m in members:
        for t, e in m.snapshot("commit"):
            if m is victim or t <= killed_at:  # all the victim printed came before the kill
                last_commit[e["p"]] = max(last_commit.get(e["p"], 0), e["o"])
        for t, e in m.snapshot("msg"):
            if m is victim or t <= killed_at:  # all the victim printed came before the kill
                last_read[e["p"]] = max(last_read.get(e["p"], -1), e["o"])
    for p in victim_parts:
        after = [e["o"] for m in survivors for t, e in m.snapshot("msg") if t > killed_at and e["p"] == p]
        assert after, f"no survivor consumed partition {p} of the killed member"
        lo, hi = last_commit.get(p, 0), last_read.get(p, -1) + 1
        assert lo <= min(after) <= hi, \
            f"partition {p} resumed at {min(after)}; {lo} had been committed and {hi - 1} read before the kill"


def test_rebalance_timeout_removes_a_stalled_member(broker_factory, node_dir, tmp_path):
    """A member blocked in eachMessage (kafkajs then sends nothing) while a new
    member joins: the coordinator completes the rebalance without it once the
    rebalance timeout (3 s) passes, long before its session timeout (120 s,
    past groups.js's 60 s hang guard, so only the rebalance timeout can let
    the test pass). Woken, the stalled member learns it was removed and
    rejoins under a new member id; the two then share the topic."""
    broker = broker_factory(extra_args=FAST_GROUPS)
    job = {"action": "stall", "brokers": [broker.bootstrap], "topic": "grp-kafkajs-stall", "group": "kafkajs-stall",
           "partitions": PARTITIONS, "count": 60, "sessionTimeout": 120000, "rebalanceTimeout": 3000}
    events = run_groups(node_dir, job, tmp_path)
    assert not [e for e in events if e["ev"] == "crash"], events
    assert [e["name"] for e in events if e["ev"] == "phase"] == ["taken-over", "shared", "done"]

    def index(pred):
        return next(i for i, e in enumerate(events) if pred(e))

    stalled = index(lambda e: e["ev"] == "stalled")
    woke = index(lambda e: e["ev"] == "woke")
    joins = [(i, e) for i, e in enumerate(events) if e["ev"] == "join"]
    s0_first = [e for i, e in joins if e["member"] == "s0" and i < stalled]
    assert s0_first and s0_first[-1]["parts"] == list(range(PARTITIONS)), joins
    takeover = [e for i, e in joins if e["member"] == "s1" and stalled < i < woke]
    assert takeover and takeover[-1]["parts"] == list(range(PARTITIONS)), \
        f"s1 did not get every partition while s0 was stalled: {joins}"
    shared = index(lambda e: e["ev"] == "phase" and e["name"] == "shared")
    # (after "shared" the members disconnect one by one, which rebalances again)
    later = {e["member"]: e for i, e in joins if woke < i < shared}
    # While the rebalance waited for s0, DescribeGroups showed it as Kafka
    # does: PreparingRebalance, both members, no protocol, metadata or assignment.
    (described,) = [e for e in events if e["ev"] == "described"]
    assert (described["state"], described["protocolType"], described["protocol"]) == \
        ("PreparingRebalance", "consumer", ""), described
    assert {m["memberId"] for m in described["members"]} == \
        {s0_first[-1]["memberId"], takeover[-1]["memberId"]}, (described, joins)
    assert all(m["metadata"] == 0 and m["assignment"] == 0 for m in described["members"]), described
    assert set(later) == {"s0", "s1"}, joins
    assert sorted(later["s0"]["parts"] + later["s1"]["parts"]) == list(range(PARTITIONS)), later
    assert len(later["s0"]["parts"]) == len(later["s1"]["parts"]) == PARTITIONS // 2, later
    assert later["s0"]["memberId"] != s0_first[-1]["memberId"], "the stalled member kept its member id"
    assert later["s1"]["memberId"] == takeover[-1]["memberId"], "s1 changed member id"


def test_members_ride_through_broker_crash(broker_factory, node_dir, tmp_path):
    """USERS.md #3: the broker is SIGKILLed and restarted while two members
    commit after every record; they reconnect and go on, every record is
    consumed, nothing is re-read from before the commits made before the
    crash, and the committed offsets reach the ends."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (scripts/setup installs it)")
    broker = broker_factory(extra_args=FAST_GROUPS)
    topic, group, count = "grp-kafkajs-ride", "kafkajs-ride", 600
    base = {"brokers": [broker.bootstrap], "topic": topic, "group": group}
    run_groups(node_dir, {**base, "action": "setup", "partitions": PARTITIONS, "count": count}, tmp_path)
    values = {f"rec-{i}" for i in range(count)}
    ends = {str(p): count // PARTITIONS for p in range(PARTITIONS)}
    members = [NodeMember(node, node_dir, tmp_path, {**base, "name": f"r{i}", "delayMs": 2}) for i in range(2)]

    def state():
        return "; ".join(f"{m.name}: owns {sorted(m.assignment())}, {len(m.msgs())} msgs, "
                         f"{len(m.commits())} commits, exit {m.proc.poll()}" for m in members)

    def offsets():
        return run_groups(node_dir, {**base, "action": "offsets"}, tmp_path)[-1]["offsets"]

    try:
        wait_until(lambda: sorted(len(m.assignment()) for m in members) == [3, 3]
                   and all(len(m.commits()) >= 5 for m in members),
                   lambda: f"two members owning three partitions each and committing; {state()}")
        before = offsets()
        broker.restart(sigkill=True)
        restarted_at = time.monotonic()
        assert len({e["v"] for m in members for e in m.msgs()}) < count, \
            "every record was consumed before the crash (slow the members)"
        wait_until(lambda: {e["v"] for m in members for e in m.msgs()} >= values,
                   lambda: f"the group consuming every record after the crash; {state()}")
        wait_until(lambda: offsets() == ends, lambda: f"committed offsets reaching {ends}: {offsets()}")
        for m in members:
            assert m.proc.poll() is None, m.describe()
            assert m.terminate() == 0, m.describe()
    finally:
        for m in members:
            if m.proc.poll() is None:
                m.proc.kill()
                m.proc.wait()

    for m in members:
        assert not m.snapshot("crash"), f"{m.name} crashed: {m.snapshot('crash')}\n{m.describe()}"
        unexpected = [e for _, e in m.snapshot("commit_failed")
                      if e["type"] not in ("REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION")]
        assert not unexpected, f"{m.name}: commits failed with unexpected errors: {unexpected[:5]}"
    for p in range(PARTITIONS):
        floor = before.get(str(p), -1)
        after = [e["o"] for m in members for t, e in m.snapshot("msg") if t > restarted_at + 0.5 and e["p"] == p]
        if after and floor >= 0:
            assert min(after) >= floor, \
                f"partition {p} was re-read from {min(after)} after the crash, though {floor} was committed"


def test_group_max_size(broker_factory, node_dir, tmp_path):
    """group.max.size=2: a third member is refused with GROUP_MAX_SIZE_REACHED
    and the two members keep the group Stable, owning and consuming all."""
    broker = broker_factory(extra_args=FAST_GROUPS + ["--set", "group.max.size=2"])
    job = {"action": "maxsize", "brokers": [broker.bootstrap], "topic": "grp-kafkajs-max", "group": "kafkajs-max",
           "partitions": PARTITIONS, "count": 120}
    events = run_groups(node_dir, job, tmp_path)
    assert [e["name"] for e in events if e["ev"] == "phase"] == ["two", "refused", "done"]
    crashes = [e for e in events if e["ev"] == "crash"]
    assert [(e["member"], e["type"]) for e in crashes] == [("m2", "GROUP_MAX_SIZE_REACHED")], crashes
    assert not [e for e in events if e["ev"] == "join" and e["member"] == "m2"], "m2 was let in"
    violations, _ = replay(events)
    assert not violations, "\n".join(violations[:20])
    msgs = [e for e in events if e["ev"] == "msg"]
    assert {e["member"] for e in msgs} <= {"m0", "m1"}
    assert len({(e["p"], e["o"]) for e in msgs}) == job["count"]
    (described,) = [e for e in events if e["ev"] == "described"]
    last = {e["member"]: e["memberId"] for e in events if e["ev"] == "join"}
    assert described["state"] == "Stable" and sorted(described["members"]) == sorted(last.values()), (described, last)
