"""Hand-built Kafka requests for the raw-socket tests and parsers for their
responses (ApiVersions v0/v3, Produce v9), following the message schemas
field by field."""

from kafka_wire import WireError, Writer

API_PRODUCE = 0
API_METADATA = 3
API_VERSIONS = 18


def api_versions_body(version):
    if version >= 3:  # ClientSoftwareName, ClientSoftwareVersion, tagged fields
        return Writer().compact_string("runnel-it").compact_string("1.0").empty_tagged_fields().getvalue()
    return b""


def api_versions(conn, version):
    """Sends ApiVersions (header v2 from v3 on) and parses the answer as the given
    response version. The response header is always v0 for ApiVersions, even for
    flexible versions, so a client can read it before knowing what the broker speaks.
    Returns (error_code, {api_key: (min, max)})."""
    r = conn.request(API_VERSIONS, version, api_versions_body(version), flexible_request=version >= 3)
    return parse_api_versions(r, version)


def parse_api_versions(r, version):
    error = r.int16()
    apis = {}
    n = r.compact_array_len() if version >= 3 else r.int32()
    if n < 0:
        raise WireError(f"ApiVersions: null api_keys array (length {n})")
    for _ in range(n):
        key, lo, hi = r.int16(), r.int16(), r.int16()
        if version >= 3:
            r.skip_tagged_fields()
        if key in apis:
            raise WireError(f"ApiVersions: api key {key} listed twice")
        apis[key] = (lo, hi)
    if version >= 1:
        r.int32()  # throttle_time_ms
    if version >= 3:
        r.skip_tagged_fields()
    r.expect_end(f"ApiVersions v{version} response")
    return error, apis


def produce_v9_body(topics, acks=-1, timeout_ms=30_000, transactional_id=None):
    """topics: {name: {partition: record batch bytes (or None)}}."""
    w = Writer().compact_nullable_string(transactional_id).int16(acks).int32(timeout_ms)
    w.uvarint(len(topics) + 1)
    for name, partitions in topics.items():
        w.compact_string(name).uvarint(len(partitions) + 1)
        for index, records in partitions.items():
            w.int32(index).compact_bytes(records).empty_tagged_fields()
        w.empty_tagged_fields()
    w.empty_tagged_fields()
    return w.getvalue()


def produce_v9(conn, topics, acks=-1, timeout_ms=30_000):
    """Returns {(topic, partition): dict(error, base_offset, log_append_time, log_start_offset,
    record_errors, error_message)}."""
    r = conn.request(API_PRODUCE, 9, produce_v9_body(topics, acks, timeout_ms),
                     flexible_request=True, flexible_response=True)
    return parse_produce_v9(r)


def parse_produce_v9(r):
    """A Produce v9 response body (r is past the response header)."""
    out = {}
    for _ in range(r.compact_array_len()):
        name = r.compact_string()
        for _ in range(r.compact_array_len()):
            index = r.int32()
            part = {"error": r.int16(), "base_offset": r.int64(), "log_append_time": r.int64(),
                    "log_start_offset": r.int64()}
            record_errors = []
            for _ in range(max(0, r.compact_array_len())):
                batch_index = r.int32()
                record_errors.append((batch_index, r.compact_string()))
                r.skip_tagged_fields()
            part["record_errors"] = record_errors
            part["error_message"] = r.compact_string()
            r.skip_tagged_fields()
            out[(name, index)] = part
        r.skip_tagged_fields()
    r.int32()  # throttle_time_ms
    r.skip_tagged_fields()
    r.expect_end("Produce v9 response")
    return out
