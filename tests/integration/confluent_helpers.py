"""confluent-kafka (librdkafka) helpers shared by the tests: topic admin and
reading a whole topic by direct partition assignment.

confluent-kafka 1.7 insists on a group.id even for assign(); the group is
never joined and no offsets are committed (consumer groups are not served yet).
"""

import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from record_set import Consumed

_TS_TYPES = {0: "none", 1: "create", 2: "append"}  # TIMESTAMP_NOT_AVAILABLE, CREATE_TIME, LOG_APPEND_TIME


def admin(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap})


def create_topic(bootstrap, name, partitions, config=None, timeout=30):
    # Keep the client alive until the future resolves: a destroyed client fails it.
    client = admin(bootstrap)
    fut = client.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
        operation_timeout=timeout, request_timeout=timeout)[name]
    fut.result(timeout)
    wait_for_topic(bootstrap, name, partitions)


def delete_topic(bootstrap, name, timeout=30):
    client = admin(bootstrap)
    client.delete_topics([name], operation_timeout=timeout, request_timeout=timeout)[name].result(timeout)


def topic_error(bootstrap, name):
    """The Metadata error code for one topic, asking the broker not to create it (0 when it exists)."""
    c = consumer(bootstrap, {"allow.auto.create.topics": False})
    try:
        md = c.list_topics(name, timeout=15)
        t = md.topics.get(name)
        if t is None:
            return KafkaError.UNKNOWN_TOPIC_OR_PART
        return t.error.code() if t.error else 0
    finally:
        c.close()


def wait_for_topic(bootstrap, name, partitions, timeout=30):
    """Waits until Metadata shows the topic with all partitions led (creation is acknowledged first)."""
    deadline = time.monotonic() + timeout
    last = None
    c = consumer(bootstrap, {"allow.auto.create.topics": False})
    try:
        while time.monotonic() < deadline:
            md = c.list_topics(name, timeout=10)
            t = md.topics.get(name)
            if t is not None and t.error is None and len(t.partitions) == partitions and all(
                    p.leader >= 0 for p in t.partitions.values()):
                return
            last = t
            time.sleep(0.1)
    finally:
        c.close()
    raise AssertionError(f"topic {name} not ready with {partitions} partitions after {timeout}s: {last}")


def wait_topic_gone(bootstrap, name, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if topic_error(bootstrap, name) == KafkaError.UNKNOWN_TOPIC_OR_PART:
            return
        time.sleep(0.2)
    raise AssertionError(f"topic {name} still in metadata {timeout}s after deletion")


def consumer(bootstrap, extra=None):
    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": "runnel-it-unused",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
    }
    conf.update(extra or {})
    return Consumer(conf)


def consume_all(bootstrap, topic, partitions, expected_count=None, timeout=90, extra=None):
    """Reads every partition from offset 0 until each has reported end-of-partition
    (and, if given, expected_count records arrived). Returns [Consumed]."""
    c = consumer(bootstrap, extra)
    out = []
    eof = set()
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(eof) == partitions and (expected_count is None or len(out) >= expected_count):
                break
            for m in c.consume(num_messages=5000, timeout=0.5):
                err = m.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        eof.add(m.partition())
                        continue
                    raise KafkaException(err)
                eof.discard(m.partition())
                ts_type, ts = m.timestamp()
                out.append(Consumed(m.partition(), m.offset(), m.key(), m.value(),
                                    tuple((k, v if v is not None else None) for k, v in (m.headers() or [])),
                                    ts, _TS_TYPES.get(ts_type, str(ts_type))))
        else:
            raise AssertionError(f"consume_all({topic}): {len(out)} records after {timeout}s, "
                                 f"end reached on partitions {sorted(eof)} of {partitions}")
    finally:
        c.close()
    return out


def watermarks(bootstrap, topic, partitions):
    c = consumer(bootstrap)
    try:
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=15) for p in range(partitions)]
    finally:
        c.close()


def producer(bootstrap, extra=None):
    conf = {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 20, "message.timeout.ms": 60_000}
    conf.update(extra or {})
    return Producer(conf)


def produce_records(prod, topic, records, partition=None, on_each=None, flush_timeout=90, allow_errors=False):
    """Produces records in order. Returns (acked {seq: (partition, offset)}, errors [str]).

    on_each(seq) runs after each produce() call (to act mid-stream). Unless
    allow_errors, any delivery error or undelivered record fails the caller."""
    acked, errors = {}, []

    def on_delivery(seq):
        def cb(err, msg):
            if err is not None:
                errors.append(f"seq {seq}: {err}")
            else:
                acked[seq] = (msg.partition(), msg.offset())
        return cb

    kwargs = {} if partition is None else {"partition": partition}
    for r in records:
        while True:
            try:
                prod.produce(topic, value=r.value, key=r.key, headers=list(r.headers),
                             timestamp=r.timestamp, on_delivery=on_delivery(r.seq), **kwargs)
                break
            except BufferError:
                prod.poll(0.1)
        prod.poll(0)
        if on_each is not None:
            on_each(r.seq)
    left = prod.flush(flush_timeout)
    if not allow_errors:
        assert left == 0, f"{left} records still undelivered after {flush_timeout} s"
        assert not errors, f"{len(errors)} delivery errors, first: {errors[:5]}"
    return acked, errors


def assert_at_acked_offsets(acked, consumed):
    """Every consumed record sits where its delivery report said."""
    from record_set import seq_of
    wrong = [(seq_of(c.value), acked.get(seq_of(c.value)), (c.partition, c.offset))
             for c in consumed if acked.get(seq_of(c.value)) != (c.partition, c.offset)]
    assert not wrong, (f"{len(wrong)} records not where their delivery report put them "
                       f"(seq, acked (partition, offset), consumed): {wrong[:5]}")
