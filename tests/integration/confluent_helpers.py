"""confluent-kafka (librdkafka) helpers shared by the tests: topic admin and
reading a whole topic by direct partition assignment.

confluent-kafka 1.7 insists on a group.id even for assign(); the group is
never joined and no offsets are committed (consumer groups are not served yet).
"""

import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from record_set import Consumed

_TS_TYPES = {0: "none", 1: "create", 2: "append"}  # TIMESTAMP_NOT_AVAILABLE, CREATE_TIME, LOG_APPEND_TIME


def admin(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap})


def create_topic(bootstrap, name, partitions, config=None, timeout=30):
    fut = admin(bootstrap).create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
        operation_timeout=timeout, request_timeout=timeout)[name]
    fut.result(timeout)
    wait_for_topic(bootstrap, name, partitions)


def delete_topic(bootstrap, name, timeout=30):
    admin(bootstrap).delete_topics([name], operation_timeout=timeout, request_timeout=timeout)[name].result(timeout)


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
