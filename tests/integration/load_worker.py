"""A process holding many confluent-kafka clients at once, for test_load.py.

  load_worker.py produce  BOOTSTRAP TOPIC PARTITIONS FIRST_ID CLIENTS RECORDS DEADLINE
  load_worker.py consume  BOOTSTRAP TOPIC PARTITIONS FIRST_ID CLIENTS EXPECTED_JSON DEADLINE

Producer j writes RECORDS values b"p<j>:<i>" to partition j % PARTITIONS.
Consumer j reads partition j % PARTITIONS from offset 0 until it has the
expected count. Each prints "ready" once all its clients are connected, waits
for a line on stdin, runs, then prints one JSON line: {"errors": [...], ...}.
DEADLINE is an absolute time.time() after which it gives up.
"""

import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


def produce(bootstrap, topic, partitions, first, clients, records, deadline):
    errors, delivered = [], [0]
    producers = [Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                           "message.timeout.ms": 45_000, "client.id": f"load-p{first + k}"})
                 for k in range(clients)]
    for p in producers:
        p.list_topics(topic, timeout=30)  # connected and metadata known
    print("ready", flush=True)
    sys.stdin.readline()

    def cb(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            delivered[0] += 1

    for i in range(records):
        for k, p in enumerate(producers):
            j = first + k
            while True:
                try:
                    p.produce(topic, value=f"p{j}:{i}".encode(), key=f"p{j}".encode(),
                              partition=j % partitions, on_delivery=cb)
                    break
                except BufferError:
                    p.poll(0.01)
            p.poll(0)
    for p in producers:
        left = p.flush(max(1.0, deadline - time.time()))
        if left:
            errors.append(f"{left} records undelivered at the deadline")
    return {"errors": errors[:20], "error_count": len(errors), "delivered": delivered[0]}


def consume(bootstrap, topic, partitions, first, clients, expected, deadline):
    consumers = []
    for k in range(clients):
        j = first + k
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                      "client.id": f"load-c{j}", "fetch.wait.max.ms": 200})
        c.assign([TopicPartition(topic, j % partitions, 0)])
        consumers.append((j, c))
    for _, c in consumers:
        c.list_topics(topic, timeout=30)
    print("ready", flush=True)
    sys.stdin.readline()

    errors = []
    seen = {j: [] for j, _ in consumers}
    while time.time() < deadline:
        busy = False
        for j, c in consumers:
            want = expected[str(j % partitions)]
            if len(seen[j]) >= want:
                continue
            busy = True
            for m in c.consume(num_messages=1000, timeout=0.01):
                if m.error() is not None:
                    if m.error().code() != KafkaError._PARTITION_EOF:
                        errors.append(f"consumer {j}: {m.error()}")
                    continue
                seen[j].append((m.offset(), m.value().decode()))
        if not busy:
            break
    # Check each copy: dense offsets from 0, each producer's records in order, none twice.
    for j, recs in seen.items():
        p = j % partitions
        if len(recs) != expected[str(p)]:
            errors.append(f"consumer {j} (partition {p}): {len(recs)} records, expected {expected[str(p)]}")
        if [o for o, _ in recs] != list(range(len(recs))):
            errors.append(f"consumer {j} (partition {p}): offsets not dense from 0")
        last = {}
        for o, v in recs:
            prod, i = v[1:].split(":")
            if int(prod) % partitions != p:
                errors.append(f"consumer {j}: record of producer {prod} in partition {p}")
            if int(i) != last.get(prod, -1) + 1:
                errors.append(f"consumer {j} (partition {p}) offset {o}: producer {prod} record {i} "
                              f"after {last.get(prod)}")
            last[prod] = int(i)
    for _, c in consumers:
        c.close()
    return {"errors": errors[:20], "error_count": len(errors), "consumed": sum(len(r) for r in seen.values())}


def main():
    role, bootstrap, topic, partitions, first, clients, arg, deadline = sys.argv[1:9]
    args = (bootstrap, topic, int(partitions), int(first), int(clients))
    if role == "produce":
        result = produce(*args, int(arg), float(deadline))
    else:
        result = consume(*args, json.loads(arg), float(deadline))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
