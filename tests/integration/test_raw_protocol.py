"""Hand-built frames on a plain socket: what no client sends. Oversized and
garbage frames close only their own connection; an unsupported ApiVersions
version gets the v0 answer with UNSUPPORTED_VERSION and the API list; a Produce
request with one corrupt batch rejects that partition alone; pipelined
requests are answered in order, and nothing after a request that closes the
connection is carried out."""

import random
import struct
import time

import pytest

import confluent_helpers as ck
from kafka_requests import (API_METADATA, API_PRODUCE, API_VERSIONS, api_versions, parse_produce_v9,
                            produce_v9, produce_v9_body)
from kafka_wire import RawConnection, Reader, Writer, frame, request_header
from record_batch_v2 import build_batch, with_bad_crc

UNSUPPORTED_VERSION = 35
CORRUPT_MESSAGE = 2
UNKNOWN_TOPIC_OR_PARTITION = 3
MiB = 1 << 20


def connect(broker):
    return RawConnection(broker.host, broker.kafka_port)


def assert_serves(broker):
    """A fresh connection still gets a correct ApiVersions answer."""
    with connect(broker) as conn:
        error, apis = api_versions(conn, 0)
    assert error == 0, f"ApiVersions v0 on a new connection: error {error}"
    assert API_PRODUCE in apis and API_VERSIONS in apis, f"ApiVersions lists {sorted(apis)}"


@pytest.mark.parametrize("size", [100 * MiB + 1, 1 << 30, 0x7FFFFFFF, -1])
def test_oversized_frame_closes_connection(broker, size):
    rss_before = broker.rss_kib()
    with connect(broker) as conn:
        conn.send(struct.pack(">i", size) + request_header(API_METADATA, 1, 1) + b"\0" * 4096)
        assert conn.wait_closed(15), f"connection still open 15 s after a frame size prefix of {size}"
    assert_serves(broker)
    grown = (broker.rss_kib() - rss_before) / 1024
    # Allocating the announced size before reading it would show here.
    assert grown < 64, f"broker RSS grew {grown:.0f} MiB after a {size}-byte size prefix"


GARBAGE = {
    "random bytes": bytes(random.Random(4).getrandbits(8) for _ in range(64)),
    "unknown api key": request_header(31_000, 0, 7) + b"\0" * 16,
    "header shorter than its fields": b"\x00\x12\x00",
    "client id longer than the frame": struct.pack(">hhih", API_METADATA, 1, 7, 30_000) + b"abc",
    "empty frame": b"",
    "negative api version": request_header(API_METADATA, -5, 7),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_header_closes_connection(broker, name):
    with connect(broker) as conn:
        conn.send(frame(GARBAGE[name]))
        assert conn.wait_closed(15), f"connection still open 15 s after a frame with {name}"
    assert_serves(broker)


def test_api_versions_unsupported_version(broker):
    with connect(broker) as conn:
        # v99 as a client newer than the broker sends it: flexible header and v3 body.
        body = Writer().compact_string("runnel-it").compact_string("9.9").empty_tagged_fields().getvalue()
        conn.send(frame(request_header(API_VERSIONS, 99, 42, flexible=True) + body))
        r = Reader(conn.recv_frame())
        assert r.int32() == 42, "correlation id"
        # The answer must be v0 (header v0, error, api list, nothing else) so any client can read it.
        error = r.int16()
        n = r.int32()
        apis = {}
        for _ in range(n):
            key, lo, hi = r.int16(), r.int16(), r.int16()
            apis[key] = (lo, hi)
        r.expect_end("ApiVersions v0 response to v99")
        assert error == UNSUPPORTED_VERSION, f"error_code {error}, expected {UNSUPPORTED_VERSION}"
        assert len(apis) == n and n > 0
        for key in (API_PRODUCE, 1, API_METADATA, API_VERSIONS):
            assert key in apis, f"api {key} missing from the list: {sorted(apis)}"
        assert all(lo <= hi for lo, hi in apis.values()), apis
        assert apis[API_VERSIONS][0] == 0 and apis[API_VERSIONS][1] >= 3, apis[API_VERSIONS]

        # The connection stays usable: now the version the broker offers.
        error, apis3 = api_versions(conn, 3)
        assert error == 0 and apis3 == apis, f"ApiVersions v3 after the retry: error {error}"


def batch_of(n, tag, ts):
    return [(f"{tag}-key-{i}".encode(), f"{tag}-value-{i}".encode(), [("h", f"{tag}{i}".encode())], ts + i)
            for i in range(n)]


def test_produce_v9_corrupt_batch_rejected_other_partition_accepted(broker):
    with connect(broker) as conn:
        _, apis = api_versions(conn, 0)
        assert apis.get(API_PRODUCE, (0, -1))[1] >= 9, f"Produce versions {apis.get(API_PRODUCE)}: need v9"
    topic = "raw-crc"
    ck.create_topic(broker.bootstrap, topic, 2)
    ts = 1_700_000_000_000
    bad = with_bad_crc(build_batch(batch_of(3, "bad", ts)))
    good_records = batch_of(3, "good", ts)
    with connect(broker) as conn:
        result = produce_v9(conn, {topic: {0: bad, 1: build_batch(good_records)}})
    assert set(result) == {(topic, 0), (topic, 1)}, f"answered partitions {sorted(result)}"
    assert result[(topic, 0)]["error"] == CORRUPT_MESSAGE, f"bad CRC partition: {result[(topic, 0)]}"
    assert result[(topic, 1)]["error"] == 0, f"good partition: {result[(topic, 1)]}"
    assert result[(topic, 1)]["base_offset"] == 0, f"good partition: {result[(topic, 1)]}"

    consumed = ck.consume_all(broker.bootstrap, topic, 2)
    got = [(c.partition, c.offset, c.key, c.value, c.headers, c.timestamp) for c in consumed]
    want = [(1, i, k, v, tuple(h), t) for i, (k, v, h, t) in enumerate(good_records)]
    assert got == want, "the good batch alone must be stored, byte for byte"

    # The rejected batch took no offsets: the next one on partition 0 starts at 0.
    with connect(broker) as conn:
        result = produce_v9(conn, {topic: {0: build_batch(batch_of(2, "later", ts))}})
    assert result[(topic, 0)]["error"] == 0 and result[(topic, 0)]["base_offset"] == 0, result


def test_produce_v9_unknown_topic_and_partition(broker):
    topic = "raw-known"
    ck.create_topic(broker.bootstrap, topic, 2)
    batch = build_batch(batch_of(1, "x", 1_700_000_000_000))
    with connect(broker) as conn:
        result = produce_v9(conn, {"raw-no-such-topic": {0: batch}, topic: {7: batch, 1: batch}})
    assert result[("raw-no-such-topic", 0)]["error"] == UNKNOWN_TOPIC_OR_PARTITION, result
    assert result[(topic, 7)]["error"] == UNKNOWN_TOPIC_OR_PARTITION, result
    assert result[(topic, 1)]["error"] == 0, result
    # Producing did not create the topic.
    assert ck.topic_error(broker.bootstrap, "raw-no-such-topic") == UNKNOWN_TOPIC_OR_PARTITION


def test_announced_but_unsent_frames_do_not_reserve_memory(broker):
    """Frames that announce the largest allowed size and then stall must not
    each pin that much memory: otherwise a handful of idle sockets exhaust the
    broker (DESIGN: every limit, memory included, is enforced)."""
    rss_before = broker.rss_kib()
    conns = [connect(broker) for _ in range(8)]
    try:
        for conn in conns:
            conn.send(struct.pack(">i", 100 * MiB) + request_header(API_METADATA, 1, 1) + b"\0" * 1024)
        # Give the broker time to act on what it read.
        time.sleep(0.5)
        assert_serves(broker)
        grown = (broker.rss_kib() - rss_before) / 1024
    finally:
        for conn in conns:
            conn.close()
    assert grown < 256, (f"broker RSS grew {grown:.0f} MiB for 8 connections that each announced a "
                         f"100 MiB frame and sent 1 KiB of it")
    assert_serves(broker)


def pipelined_produces(topic, count, ts, first_correlation=1):
    """`count` Produce v9 requests (acks=-1, one record each, partition 0) as one byte string."""
    out = b""
    for i in range(count):
        body = produce_v9_body({topic: {0: build_batch(batch_of(1, f"p{i}", ts + i))}})
        out += frame(request_header(API_PRODUCE, 9, first_correlation + i, flexible=True) + body)
    return out


def test_pipelined_durable_produces_answer_in_order(broker):
    """A client with many acks=all requests in flight on one connection (every
    Kafka producer does this) gets each answer in request order, with offsets
    in the order it sent the records: the broker may start a request while an
    earlier one waits for its fsync, but never reorders them."""
    topic = "raw-pipelined"
    ck.create_topic(broker.bootstrap, topic, 1)
    count = 40
    with connect(broker) as conn:
        conn.send(pipelined_produces(topic, count, 1_700_000_000_000))
        for i in range(count):
            r = Reader(conn.recv_frame())
            assert r.int32() == i + 1, f"response {i}: answers must come in request order"
            r.skip_tagged_fields()
            result = parse_produce_v9(r)[(topic, 0)]
            assert result["error"] == 0 and result["base_offset"] == i, f"request {i}: {result}"
    consumed = ck.consume_all(broker.bootstrap, topic, 1)
    assert [c.value for c in consumed] == [f"p{i}-value-0".encode() for i in range(count)]


def test_nothing_after_a_closing_request_is_carried_out(broker):
    """Produces, then a frame the broker cannot parse, then more produces, all
    in one write: the first ones are answered, the connection closes at the bad
    frame, and the produces behind it are never appended."""
    topic = "raw-pipelined-close"
    ck.create_topic(broker.bootstrap, topic, 1)
    ts = 1_700_000_000_000
    garbage = frame(b"\x00")  # too short for a request header
    with connect(broker) as conn:
        conn.send(pipelined_produces(topic, 3, ts) + garbage + pipelined_produces(topic, 3, ts, 10))
        for i in range(3):
            r = Reader(conn.recv_frame())
            assert r.int32() == i + 1
            r.skip_tagged_fields()
            assert parse_produce_v9(r)[(topic, 0)]["base_offset"] == i
        assert conn.wait_closed(), "the connection must close at the unreadable frame"
    assert len(ck.consume_all(broker.bootstrap, topic, 1)) == 3
    assert_serves(broker)
