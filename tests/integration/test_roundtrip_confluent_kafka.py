"""confluent-kafka (librdkafka) round trip: admin-created 6-partition topic,
20,000 keyed records with headers and CreateTime timestamps per codec, read
back by direct assignment, topic deleted."""

import pytest
from confluent_kafka import KafkaException

import confluent_helpers as ck
from record_set import assert_round_trip, make_records

COUNT = 20_000
PARTITIONS = 6
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def make_producer(bootstrap, codec):
    try:
        return ck.producer(bootstrap, {"compression.codec": codec})
    except KafkaException as e:
        pytest.skip(f"librdkafka here does not support compression.codec={codec}: {e}")


@pytest.mark.parametrize("codec", CODECS)
def test_round_trip(broker, codec):
    topic = f"rt-confluent-{codec}"
    producer = make_producer(broker.bootstrap, codec)
    ck.create_topic(broker.bootstrap, topic, PARTITIONS)
    records = make_records(COUNT, "confluent-kafka")

    acked, _ = ck.produce_records(producer, topic, records)
    consumed = ck.consume_all(broker.bootstrap, topic, PARTITIONS, COUNT)
    assert_round_trip(records, consumed, PARTITIONS)
    ck.assert_at_acked_offsets(acked, consumed)

    per_partition = [sum(1 for c in consumed if c.partition == p) for p in range(PARTITIONS)]
    marks = ck.watermarks(broker.bootstrap, topic, PARTITIONS)
    assert marks == [(0, n) for n in per_partition], f"watermarks {marks}, records per partition {per_partition}"

    ck.delete_topic(broker.bootstrap, topic)
    ck.wait_topic_gone(broker.bootstrap, topic)
