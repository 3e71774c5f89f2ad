"""Idempotent producer (librdkafka, enable.idempotence=true) across a broker
restart in the middle of the stream: every record lands exactly once, in
order, at dense offsets.

A restart drops connections with produce requests in flight; librdkafka
resends them with their original producer id and sequence numbers, and the
broker must recognise what it already wrote. After SIGKILL that knowledge has
to come back from the log itself."""

import threading

import pytest

import confluent_helpers as ck
from record_set import assert_round_trip, make_records

COUNT = 30_000
PARTITIONS = 3


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_idempotent_producer_across_restart(broker, how):
    topic = f"idempotent-{how}"
    ck.create_topic(broker.bootstrap, topic, PARTITIONS)
    records = make_records(COUNT, "idempotent")
    fatal = []

    def on_error(err):
        # Connection-down errors are expected while the broker restarts; a fatal
        # error means librdkafka gave up on idempotence (e.g. sequence trouble).
        if err.fatal():
            fatal.append(str(err))

    prod = ck.producer(broker.bootstrap, {
        "enable.idempotence": True, "linger.ms": 5, "message.timeout.ms": 120_000,
        "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500, "error_cb": on_error})

    restart_errors = []

    def restart():
        try:
            broker.restart(sigkill=(how == "sigkill"))
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            restart_errors.append(e)

    restarter = threading.Thread(target=restart)

    def on_each(seq):
        # Keep producing while the broker goes down and comes back.
        if seq == COUNT // 3:
            restarter.start()

    acked, errors = ck.produce_records(prod, topic, records, on_each=on_each, flush_timeout=150,
                                       allow_errors=True)
    restarter.join(120)
    assert not restart_errors, f"restart failed: {restart_errors[0]}"
    assert not fatal, f"idempotent producer hit a fatal error: {fatal}"
    assert not errors, f"{len(errors)} delivery errors, first: {errors[:5]}"
    assert len(acked) == COUNT, f"{COUNT - len(acked)} records never acknowledged"

    consumed = ck.consume_all(broker.bootstrap, topic, PARTITIONS, COUNT)
    # No duplicates, no gaps, dense offsets, per-key order, exact content.
    assert_round_trip(records, consumed, PARTITIONS)
    ck.assert_at_acked_offsets(acked, consumed)
