"""Topic and broker configs through real admin clients (confluent-kafka's
DescribeConfigs/AlterConfigs, kafka-python's DescribeConfigs), a config
change taking effect on produce, and DescribeLogDirs on the wire (no client
installed here speaks it)."""

from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import ConfigResource, ConfigSource
from kafka.admin import ConfigResource as KpConfigResource, ConfigResourceType, KafkaAdminClient

import confluent_helpers as ck
from kafka_wire import RawConnection

API_DESCRIBE_LOG_DIRS = 35


def describe_topic(bs, topic):
    client = ck.admin(bs)
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    return client.describe_configs([resource], request_timeout=15)[resource].result(20)


def test_describe_topic_configs_with_sources(broker):
    bs = broker.bootstrap
    ck.create_topic(bs, "described", 2, config={"retention.ms": "3600000", "cleanup.policy": "compact,delete"})
    entries = describe_topic(bs, "described")
    assert entries["retention.ms"].value == "3600000"
    assert entries["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert entries["cleanup.policy"].value == "compact,delete"
    assert entries["segment.bytes"].value == "1073741824"
    assert entries["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert not entries["retention.ms"].is_read_only
    # Every config Runnel honours is listed.
    for name in ("retention.bytes", "segment.ms", "max.message.bytes", "message.timestamp.type",
                 "compression.type", "min.insync.replicas", "flush.ms", "flush.messages"):
        assert name in entries, name


def test_alter_configs_takes_effect_on_produce(broker):
    bs = broker.bootstrap
    ck.create_topic(bs, "altered", 1)
    client = ck.admin(bs)
    resource = ConfigResource(ConfigResource.Type.TOPIC, "altered", set_config={"max.message.bytes": "2000"})
    client.alter_configs([resource], request_timeout=15)[resource].result(20)
    assert describe_topic(bs, "altered")["max.message.bytes"].value == "2000"

    errors = []
    producer = Producer({"bootstrap.servers": bs, "compression.type": "none", "linger.ms": 0})
    # Flushed one at a time: in one batch the small record would share the big one's fate.
    producer.produce("altered", value=b"x" * 5000, on_delivery=lambda err, msg: errors.append(err))
    producer.flush(30)
    producer.produce("altered", value=b"y" * 100, on_delivery=lambda err, msg: errors.append(err))
    producer.flush(30)
    assert len(errors) == 2
    assert errors[0] is not None and errors[0].code() == KafkaError.MSG_SIZE_TOO_LARGE, errors[0]
    assert errors[1] is None, errors[1]


def test_invalid_config_value_is_refused(broker):
    bs = broker.bootstrap
    ck.create_topic(bs, "strict", 1)
    client = ck.admin(bs)
    resource = ConfigResource(ConfigResource.Type.TOPIC, "strict", set_config={"retention.ms": "soon"})
    try:
        client.alter_configs([resource], request_timeout=15)[resource].result(20)
        raise AssertionError("retention.ms=soon was accepted")
    except Exception as e:  # noqa: BLE001 - the KafkaException carries the broker's error
        assert e.args[0].code() == KafkaError.INVALID_CONFIG, e
    assert describe_topic(bs, "strict")["retention.ms"].value == "604800000"


def test_broker_configs_with_kafka_python(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        response = admin.describe_configs([KpConfigResource(ConfigResourceType.BROKER, "0")])[0]
        (error_code, _message, _type, name, entries), = response.resources
        assert error_code == 0 and name == "0"
        by_name = {e[0]: e for e in entries}  # (name, value, read_only, config_source, is_sensitive, synonyms)
        assert by_name["num.partitions"][1] == "1"
        assert by_name["auto.create.topics.enable"][1] == "true"
        assert by_name["num.partitions"][2] is True, "broker configs are read-only"
    finally:
        admin.close()


def test_describe_log_dirs_reports_partition_sizes(broker):
    bs = broker.bootstrap
    ck.create_topic(bs, "sized", 2)
    producer = Producer({"bootstrap.servers": bs, "linger.ms": 0})
    for i in range(100):
        producer.produce("sized", value=b"v" * 100, partition=0)
    assert producer.flush(30) == 0
    with RawConnection(broker.host, broker.kafka_port) as conn:
        # DescribeLogDirs v1: topics = null (all).
        r = conn.request(API_DESCRIBE_LOG_DIRS, 1, (-1).to_bytes(4, "big", signed=True))
        r.int32()  # throttle_time_ms
        dirs = []
        for _ in range(r.int32()):
            error, path = r.int16(), r.string()
            sizes = {}
            for _ in range(r.int32()):
                topic = r.string()
                for _ in range(r.int32()):
                    partition, size, _lag, _future = r.int32(), r.int64(), r.int64(), r.int8()
                    sizes[(topic, partition)] = size
            dirs.append((error, path, sizes))
        r.expect_end("DescribeLogDirs v1")
    assert len(dirs) == 1
    error, path, sizes = dirs[0]
    assert error == 0 and path.endswith("/kafka"), path
    assert sizes[("sized", 0)] > 100 * 100
    assert sizes[("sized", 1)] == 0
