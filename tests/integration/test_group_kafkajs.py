"""Consumer groups with kafkajs (node driver in node/groups.js, issue 5): three
consumers in one group over a 6-partition topic own two partitions each (from
GROUP_JOIN's memberAssignment), one disconnects and the other two own three
each; replaying the driver's ordered event log, no partition is ever owned by
two members at once, nothing is consumed by a member that does not own it, and
the group consumes every record produced before and after the leave."""

import json
import shutil
import subprocess

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
