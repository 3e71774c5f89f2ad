"""Committed offsets and group administration for consumers that assign
their own partitions (no group membership yet): confluent-kafka and
kafka-python commit and read back, a new consumer resumes from the commit
across SIGTERM and SIGKILL restarts, and both clients' admin APIs list,
describe and delete the groups."""

import pytest
from confluent_kafka import TopicPartition
from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition as KpTopicPartition
from kafka.admin import KafkaAdminClient

import confluent_helpers as ck

TOPIC = "committed"
PARTITIONS = 3


def committed(bs, group, partitions=PARTITIONS):
    c = ck.consumer(bs, {"group.id": group})
    try:
        got = c.committed([TopicPartition(TOPIC, p) for p in range(partitions)], timeout=30)
        return {tp.partition: tp.offset for tp in got}
    finally:
        c.close()


def commit(bs, group, offsets):
    c = ck.consumer(bs, {"group.id": group})
    try:
        c.commit(offsets=[TopicPartition(TOPIC, p, o) for p, o in offsets.items()], asynchronous=False)
    finally:
        c.close()


@pytest.mark.parametrize("sigkill", [False, True])
def test_confluent_commit_survives_restart(broker, sigkill):
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, PARTITIONS)
    commit(bs, "resumer", {0: 5, 2: 17})
    commit(bs, "resumer", {0: 7})
    commit(bs, "other", {1: 3})
    # librdkafka reports an offset never committed as OFFSET_INVALID (-1001).
    assert committed(bs, "resumer") == {0: 7, 1: -1001, 2: 17}
    broker.restart(sigkill=sigkill)
    ck.wait_for_topic(bs, TOPIC, PARTITIONS)
    assert committed(bs, "resumer") == {0: 7, 1: -1001, 2: 17}
    assert committed(bs, "other") == {0: -1001, 1: 3, 2: -1001}


def test_new_consumer_resumes_at_the_committed_offset(broker):
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, 1)
    prod = ck.producer(bs)
    for i in range(10):
        prod.produce(TOPIC, value=f"record-{i}".encode(), partition=0)
    assert prod.flush(30) == 0
    commit(bs, "worker", {0: 6})

    # kafka-python: a consumer with a group that assigns its partition starts
    # at the committed offset, not at auto_offset_reset.
    consumer = KafkaConsumer(bootstrap_servers=bs, group_id="worker", enable_auto_commit=False,
                             auto_offset_reset="earliest", consumer_timeout_ms=10_000)
    try:
        tp = KpTopicPartition(TOPIC, 0)
        consumer.assign([tp])
        assert consumer.committed(tp) == 6
        values = []
        for message in consumer:
            values.append(message.value.decode())
            if len(values) == 4:
                break
        assert values == ["record-6", "record-7", "record-8", "record-9"]
        consumer.commit({tp: OffsetAndMetadata(10, "done")})
        assert consumer.committed(tp) == 10
    finally:
        consumer.close()
    assert committed(bs, "worker", partitions=1) == {0: 10}, "kafka-python's commit, read by librdkafka"


def test_groups_through_admin_clients(broker):
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, PARTITIONS)
    commit(bs, "billing", {0: 4, 1: 8})
    commit(bs, "audit", {2: 1})

    # confluent-kafka's list_groups (ListGroups, then DescribeGroups).
    groups = {g.id: g for g in ck.admin(bs).list_groups(timeout=20)}
    assert set(groups) == {"billing", "audit"}
    assert groups["billing"].state == "Empty" and groups["billing"].members == []

    admin = KafkaAdminClient(bootstrap_servers=bs)
    try:
        assert sorted(g for g, _type in admin.list_consumer_groups()) == ["audit", "billing"]
        offsets = admin.list_consumer_group_offsets("billing")
        assert {tp.partition: om.offset for tp, om in offsets.items()} == {0: 4, 1: 8}
        (described,) = admin.describe_consumer_groups(["billing"])
        assert described.state == "Empty" and described.members == []
        admin.delete_consumer_groups(["billing"])
        assert sorted(g for g, _type in admin.list_consumer_groups()) == ["audit"]
        assert admin.list_consumer_group_offsets("billing") == {}
    finally:
        admin.close()
    assert committed(bs, "billing") == {0: -1001, 1: -1001, 2: -1001}
    assert committed(bs, "audit")[2] == 1
