"""kafka-python round trip: KafkaAdminClient-created 6-partition topic, 20,000
keyed records with headers and CreateTime timestamps per codec (those the
installed codec libraries allow), read back by direct assignment, topic
deleted."""

import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka import codec as kcodec
from kafka.admin import KafkaAdminClient, NewTopic

from record_set import Consumed, assert_round_trip, make_records, seq_of

COUNT = 20_000
PARTITIONS = 6
CODECS = {
    "none": (lambda: True, None),
    "gzip": (kcodec.has_gzip, "gzip"),
    "snappy": (kcodec.has_snappy, "python3-snappy"),
    "lz4": (kcodec.has_lz4, "python3-lz4"),
    "zstd": (kcodec.has_zstd, "python3-zstandard"),
}
TS_TYPES = {0: "create", 1: "append"}


def admin_errors(response):
    # CreateTopics/DeleteTopics responses: (name, error_code[, error_message]) per topic.
    topics = getattr(response, "topic_errors", None) or getattr(response, "topic_error_codes", None)
    return [(t[0], t[1]) for t in topics if t[1] != 0]


@pytest.mark.parametrize("codec", list(CODECS))
def test_round_trip(broker, codec):
    available, package = CODECS[codec]
    if not available():
        pytest.skip(f"kafka-python cannot use {codec}: {package} is not installed")
    topic = f"rt-kafka-python-{codec}"
    bs = broker.bootstrap

    admin = KafkaAdminClient(bootstrap_servers=bs, client_id="runnel-it-kafka-python")
    try:
        resp = admin.create_topics([NewTopic(topic, PARTITIONS, 1)], timeout_ms=30_000)
        assert not admin_errors(resp), f"CreateTopics: {resp}"

        records = make_records(COUNT, "kafka-python")
        producer = KafkaProducer(bootstrap_servers=bs, acks="all", linger_ms=20,
                                 compression_type=None if codec == "none" else codec)
        futures = [producer.send(topic, key=r.key, value=r.value, headers=list(r.headers),
                                 timestamp_ms=r.timestamp) for r in records]
        producer.flush(90)
        acked = {}
        errors = []
        for r, f in zip(records, futures):
            try:
                md = f.get(timeout=30)
                acked[r.seq] = (md.partition, md.offset)
            except Exception as e:  # noqa: BLE001 - reported below, with the seq
                errors.append(f"seq {r.seq}: {e!r}")
        producer.close(10)
        assert not errors, f"{len(errors)} send errors, first: {errors[:5]}"

        consumed = consume_all(bs, topic)
        assert_round_trip(records, consumed, PARTITIONS)
        wrong = [c for c in consumed if acked[seq_of(c.value)] != (c.partition, c.offset)]
        assert not wrong, f"{len(wrong)} records not at their acknowledged offset, first {wrong[:3]}"

        resp = admin.delete_topics([topic], timeout_ms=30_000)
        assert not admin_errors(resp), f"DeleteTopics: {resp}"
        deadline = time.monotonic() + 30
        while topic in admin.list_topics():
            assert time.monotonic() < deadline, f"{topic} still listed 30 s after deletion"
            time.sleep(0.2)
    finally:
        admin.close()


def consume_all(bs, topic, timeout=90):
    consumer = KafkaConsumer(bootstrap_servers=bs, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", max_poll_records=5000, fetch_max_wait_ms=100,
                             client_id="runnel-it-kafka-python")
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        out = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, \
                f"consumed {len(out)} in {timeout}s; positions {[consumer.position(tp) for tp in tps]}, ends {ends}"
            for tp, msgs in consumer.poll(timeout_ms=500).items():
                for m in msgs:
                    out.append(Consumed(m.partition, m.offset, m.key, m.value, tuple(m.headers or ()),
                                        m.timestamp, TS_TYPES.get(m.timestamp_type, str(m.timestamp_type))))
        return out
    finally:
        consumer.close()
