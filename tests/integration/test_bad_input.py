"""Bad input through real clients gets the protocol's own error codes:
invalid topic names INVALID_TOPIC_EXCEPTION, unknown topics
UNKNOWN_TOPIC_OR_PARTITION, batches over a topic's max.message.bytes
MESSAGE_TOO_LARGE; and none of it disturbs the broker."""

import os

import kafka.errors
import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import NewTopic
from kafka.admin import KafkaAdminClient, NewTopic as KpNewTopic

import confluent_helpers as ck
from kafka_requests import produce_v9
from kafka_wire import RawConnection
from record_batch_v2 import build_batch

INVALID_TOPIC_EXCEPTION = 17
UNKNOWN_TOPIC_OR_PARTITION = 3
MESSAGE_TOO_LARGE = 10
INVALID_NAMES = ["bad name", "bad/name", "a" * 250, ".", "..", "t\u00fcmlaut", "semi;colon"]


def create_error(bootstrap, name):
    client = ck.admin(bootstrap)  # alive until the future resolves
    try:
        client.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)],
                             request_timeout=15)[name].result(20)
    except KafkaException as e:
        return e.args[0].code()
    return 0


def test_invalid_topic_names(broker):
    got = {name: create_error(broker.bootstrap, name) for name in INVALID_NAMES}
    wrong = {n: c for n, c in got.items() if c != KafkaError.TOPIC_EXCEPTION}
    assert not wrong, f"confluent-kafka CreateTopics, expected {INVALID_TOPIC_EXCEPTION} for each: {wrong}"

    # kafka-python raises the first topic error of a response, so one name
    # per request.
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        for name in INVALID_NAMES:
            with pytest.raises(kafka.errors.InvalidTopicError):
                admin.create_topics([KpNewTopic(name, 1, 1)], timeout_ms=15_000)
    finally:
        admin.close()
    # A valid name still works on the same broker.
    ck.create_topic(broker.bootstrap, "valid_name-1.x", 1)


def test_unknown_topic(broker):
    bs = broker.bootstrap
    assert ck.topic_error(bs, "no-such-topic") == KafkaError.UNKNOWN_TOPIC_OR_PART, \
        "Metadata for an unknown topic (auto-creation off)"
    client = ck.admin(bs)
    with pytest.raises(KafkaException) as err:
        client.delete_topics(["no-such-topic"], request_timeout=15)["no-such-topic"].result(20)
    assert err.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART, f"DeleteTopics: {err.value}"
    # Asking about it created nothing.
    assert ck.topic_error(bs, "no-such-topic") == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_message_too_large(broker):
    bs = broker.bootstrap
    topic = "small-messages"
    ck.create_topic(bs, topic, 1, config={"max.message.bytes": "1024"})

    prod = ck.producer(bs, {"compression.codec": "none", "linger.ms": 0})
    results = []
    for size in (4096, 200):
        prod.produce(topic, value=os.urandom(size), key=b"k",
                     on_delivery=lambda err, msg, size=size: results.append((size, err)))
        prod.flush(30)
    codes = {size: (err.code() if err else 0) for size, err in results}
    assert codes == {4096: KafkaError.MSG_SIZE_TOO_LARGE, 200: 0}, \
        f"delivery results by value size {codes}, expected 4096 -> {MESSAGE_TOO_LARGE}, 200 -> 0"

    # The same through a hand-built Produce v9: error 10, nothing appended.
    big = build_batch([(b"k", os.urandom(2000), [], 1_700_000_000_000)])
    with RawConnection(broker.host, broker.kafka_port) as conn:
        result = produce_v9(conn, {topic: {0: big}})
    assert result[(topic, 0)]["error"] == MESSAGE_TOO_LARGE, result
    assert ck.watermarks(bs, topic, 1) == [(0, 1)], "only the 200-byte record is stored"
