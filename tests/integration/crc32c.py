"""CRC32C (Castagnoli), the checksum of a Kafka v2 record batch.

A plain table-driven implementation: the tests build batches by hand and must
not depend on the broker's own CRC code (or on anything from PyPI) to do it.
"""

_POLY = 0x82F63B78  # 0x1EDC6F41 bit-reversed: the CRC is computed LSB-first.


def _make_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _make_table()


def crc32c(data, crc=0):
    """Returns the CRC32C of data, continuing from a previous result crc."""
    crc ^= 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# The check value from the CRC catalogue: a table built wrong fails at import.
assert crc32c(b"123456789") == 0xE3069283
