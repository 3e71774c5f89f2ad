"""confluent-kafka (librdkafka) round trip: admin-created 6-partition topic,
20,000 keyed records with headers and CreateTime timestamps per codec, read
back by direct assignment, topic deleted."""

import pytest
from confluent_kafka import KafkaException, Producer

import confluent_helpers as ck
from record_set import assert_round_trip, make_records

COUNT = 20_000
PARTITIONS = 6
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def make_producer(bootstrap, codec, extra=None):
    conf = {"bootstrap.servers": bootstrap, "compression.codec": codec, "acks": "all",
            "linger.ms": 20, "message.timeout.ms": 60_000}
    conf.update(extra or {})
    try:
        return Producer(conf)
    except KafkaException as e:
        pytest.skip(f"librdkafka here does not support compression.codec={codec}: {e}")


def produce_records(producer, topic, records):
    """Produces in order; returns {seq: (partition, offset)} from the delivery reports."""
    acked, errors = {}, []

    def on_delivery(seq):
        def cb(err, msg):
            if err is not None:
                errors.append(f"seq {seq}: {err}")
            else:
                acked[seq] = (msg.partition(), msg.offset())
        return cb

    for r in records:
        while True:
            try:
                producer.produce(topic, value=r.value, key=r.key, headers=list(r.headers),
                                 timestamp=r.timestamp, on_delivery=on_delivery(r.seq))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    left = producer.flush(90)
    assert left == 0, f"{left} records still undelivered after 90 s"
    assert not errors, f"{len(errors)} delivery errors, first: {errors[:5]}"
    return acked


def assert_acks_match(acked, consumed):
    from record_set import seq_of
    wrong = [(seq_of(c.value), acked.get(seq_of(c.value)), (c.partition, c.offset))
             for c in consumed if acked.get(seq_of(c.value)) != (c.partition, c.offset)]
    assert not wrong, f"{len(wrong)} records not where their delivery report put them " \
                      f"(seq, acked, consumed): {wrong[:5]}"


@pytest.mark.parametrize("codec", CODECS)
def test_round_trip(broker, codec):
    topic = f"rt-confluent-{codec}"
    producer = make_producer(broker.bootstrap, codec)
    ck.create_topic(broker.bootstrap, topic, PARTITIONS)
    records = make_records(COUNT, "confluent-kafka")

    acked = produce_records(producer, topic, records)
    consumed = ck.consume_all(broker.bootstrap, topic, PARTITIONS, COUNT)
    assert_round_trip(records, consumed, PARTITIONS)
    assert_acks_match(acked, consumed)

    per_partition = [sum(1 for c in consumed if c.partition == p) for p in range(PARTITIONS)]
    marks = ck.watermarks(broker.bootstrap, topic, PARTITIONS)
    assert marks == [(0, n) for n in per_partition], f"watermarks {marks}, records per partition {per_partition}"

    ck.delete_topic(broker.bootstrap, topic)
    ck.wait_topic_gone(broker.bootstrap, topic)
