"""Builds Kafka v2 record batches (magic 2) by hand, for requests no client
would send: wrong CRCs, exact offsets and producer fields.

Layout (all big-endian): baseOffset i64, batchLength i32, partitionLeaderEpoch
i32, magic i8, crc u32 (CRC32C of everything after it), attributes i16,
lastOffsetDelta i32, baseTimestamp i64, maxTimestamp i64, producerId i64,
producerEpoch i16, baseSequence i32, records (i32 count, then records).
"""

import struct

from crc32c import crc32c
from kafka_wire import Writer

CRC_OFFSET = 17  # baseOffset(8) + batchLength(4) + partitionLeaderEpoch(4) + magic(1)


def encode_record(offset_delta, timestamp_delta, key, value, headers):
    body = Writer().int8(0).varint(timestamp_delta).varint(offset_delta)
    for field in (key, value):
        if field is None:
            body.varint(-1)
        else:
            body.varint(len(field)).raw(field)
    body.varint(len(headers))
    for name, hvalue in headers:
        name = name.encode() if isinstance(name, str) else name
        body.varint(len(name)).raw(name)
        if hvalue is None:
            body.varint(-1)
        else:
            body.varint(len(hvalue)).raw(hvalue)
    payload = body.getvalue()
    return Writer().varint(len(payload)).raw(payload).getvalue()


def build_batch(records, base_offset=0, producer_id=-1, producer_epoch=-1, base_sequence=-1,
                partition_leader_epoch=-1, attributes=0):
    """records: list of (key, value, headers, timestamp_ms). Uncompressed."""
    assert records
    base_ts = records[0][3]
    max_ts = max(r[3] for r in records)
    encoded = b"".join(
        encode_record(i, ts - base_ts, key, value, headers)
        for i, (key, value, headers, ts) in enumerate(records))
    after_crc = (Writer().int16(attributes).int32(len(records) - 1).int64(base_ts).int64(max_ts)
                 .int64(producer_id).int16(producer_epoch).int32(base_sequence)
                 .int32(len(records)).raw(encoded).getvalue())
    crc = crc32c(after_crc)
    # batchLength counts from partitionLeaderEpoch to the end.
    batch_length = 4 + 1 + 4 + len(after_crc)
    return (Writer().int64(base_offset).int32(batch_length).int32(partition_leader_epoch).int8(2)
            .uint32(crc).raw(after_crc).getvalue())


def with_bad_crc(batch):
    """The same batch with its stored CRC off by one bit (the content is untouched)."""
    (crc,) = struct.unpack_from(">I", batch, CRC_OFFSET)
    out = bytearray(batch)
    struct.pack_into(">I", out, CRC_OFFSET, crc ^ 0x00000100)
    return bytes(out)
