#!/usr/bin/python3
"""Drives the Python Kafka clients (kafka-python, confluent-kafka) for capture.py.

Usage: python_clients.py BOOTSTRAP CLIENT ACTION TOPIC [CODEC]
  CLIENT  kafka-python | confluent
  ACTION  produce (the ten golden records) | fetch (read them back, check them)

Must run under /usr/bin/python3: the clients are Debian packages
(python3-kafka, python3-confluent-kafka), not pip installs.
"""
import sys

# The records every golden Produce carries; golden tests compare against these.
RECORDS = [(f"k{i}".encode(), f"value-{i}".encode()) for i in range(10)]
# Long enough that all ten records share one batch, so each capture holds
# exactly one Produce request with one batch.
LINGER_MS = 200


def kafka_python_produce(bootstrap, topic, codec):
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="runnel-golden-kafka-python",
        compression_type=None if codec == "none" else codec,
        linger_ms=LINGER_MS,
        acks=-1,
    )
    for key, value in RECORDS:
        producer.send(topic, key=key, value=value, partition=0)
    producer.flush()
    producer.close()


def kafka_python_fetch(bootstrap, topic):
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="runnel-golden-kafka-python",
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    consumer.assign([TopicPartition(topic, 0)])
    got = []
    for message in consumer:
        got.append((message.key, message.value))
        if len(got) == len(RECORDS):
            break
    consumer.close()
    return got


def confluent_produce(bootstrap, topic, codec):
    from confluent_kafka import Producer

    producer = Producer({
        "bootstrap.servers": bootstrap,
        "client.id": "runnel-golden-confluent",
        "compression.type": codec,
        "linger.ms": LINGER_MS,
        "acks": "all",
    })
    for key, value in RECORDS:
        producer.produce(topic, key=key, value=value, partition=0)
    if producer.flush(10) != 0:
        raise SystemExit("confluent producer: records left unsent")


def confluent_fetch(bootstrap, topic):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "client.id": "runnel-golden-confluent",
        "group.id": "runnel-golden-confluent",
        "enable.auto.commit": False,
    })
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    got = []
    for _ in range(50):
        message = consumer.poll(0.2)
        if message is None or message.error():
            continue
        got.append((message.key(), message.value()))
        if len(got) == len(RECORDS):
            break
    consumer.close()
    return got


def main():
    bootstrap, client, action, topic = sys.argv[1:5]
    codec = sys.argv[5] if len(sys.argv) > 5 else "none"
    if action == "produce":
        {"kafka-python": kafka_python_produce, "confluent": confluent_produce}[client](bootstrap, topic, codec)
        return
    got = {"kafka-python": kafka_python_fetch, "confluent": confluent_fetch}[client](bootstrap, topic)
    # A fetch that returns something else means the capture is not what the
    # README claims, so fail the capture rather than commit it.
    if got != RECORDS:
        raise SystemExit(f"{client} fetch from {topic}: got {got!r}")


if __name__ == "__main__":
    main()
