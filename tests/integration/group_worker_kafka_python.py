"""One kafka-python consumer-group member, run as a subprocess by
test_group_kafka_python.py so the test can SIGKILL it mid-way:

    group_worker_kafka_python.py BOOTSTRAP TOPIC GROUP NAME DELAY_MS

Subscribes to TOPIC in GROUP (range assignor, auto-commit off), and for every
poll: "processes" each record (sleeps DELAY_MS), prints it, then commits the
batch synchronously and prints what was committed. Every line on stdout is one
JSON object, flushed at once:
    {"ev": "assigned", "parts": [...]} / {"ev": "revoked", "parts": [...]}
    {"ev": "rec", "p": partition, "o": offset, "v": value}
    {"ev": "commit", "offsets": {partition: next offset}}
    {"ev": "commit_failed", "error": "..."}   (a rebalance raced the commit)
    {"ev": "commit_error", "error": "..."}    (any other commit error)
    {"ev": "closed"}
SIGTERM closes the consumer (LeaveGroup) and exits 0.
"""

import json
import signal
import sys
import time

from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.errors import CommitFailedError, KafkaError

stopping = False


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Listener(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        emit({"ev": "revoked", "parts": sorted(tp.partition for tp in revoked)})

    def on_partitions_assigned(self, assigned):
        emit({"ev": "assigned", "parts": sorted(tp.partition for tp in assigned)})


def main():
    bootstrap, topic, group, name, delay_ms = sys.argv[1:6]
    delay = int(delay_ms) / 1000.0

    def on_term(signum, frame):
        global stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, client_id=name,
        partition_assignment_strategy=[RangePartitionAssignor],
        enable_auto_commit=False, auto_offset_reset="earliest",
        session_timeout_ms=6000, heartbeat_interval_ms=300, max_poll_interval_ms=30000,
        max_poll_records=10, fetch_max_wait_ms=100)
    consumer.subscribe([topic], listener=Listener())
    while not stopping:
        batch = consumer.poll(timeout_ms=100)
        if not batch:
            continue
        offsets = {}
        for tp, records in batch.items():
            for r in records:
                time.sleep(delay)
                emit({"ev": "rec", "p": r.partition, "o": r.offset, "v": r.value.decode()})
                offsets[tp] = OffsetAndMetadata(r.offset + 1, "")
        try:
            consumer.commit(offsets)
        except CommitFailedError as e:
            # The group rebalanced under us: legitimate; the records are redelivered.
            emit({"ev": "commit_failed", "error": str(e)})
            continue
        except KafkaError as e:
            # Anything else is a broker problem the test reports.
            emit({"ev": "commit_error", "error": repr(e)})
            continue
        emit({"ev": "commit", "offsets": {str(tp.partition): m.offset for tp, m in offsets.items()}})
    consumer.close()
    emit({"ev": "closed"})


if __name__ == "__main__":
    main()
