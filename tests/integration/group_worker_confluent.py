"""A consumer-group member for test_consumer_groups.py, run as its own
process so the test can SIGKILL it: it processes each record (a short sleep and
the line "OK <value>"), then commits it synchronously. SIGTERM closes it.

usage: group_worker_confluent.py BOOTSTRAP TOPIC GROUP
"""

import signal
import sys
import time

from confluent_kafka import Consumer

bootstrap, topic, group = sys.argv[1:4]
stopping = False


def stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 300,
})
c.subscribe([topic])
while not stopping:
    m = c.poll(0.1)
    if m is None or m.error():
        continue
    time.sleep(0.005)  # the work, whose result is the line printed
    print("OK", m.value().decode(), flush=True)
    c.commit(message=m, asynchronous=False)
c.close()
