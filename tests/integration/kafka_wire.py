"""Kafka wire primitives for the raw-socket tests: field encoders/decoders,
request headers, size-prefixed frames and a blocking connection.

Written from the protocol spec, independent of the broker's generated codec,
so the two check each other. Decoders raise WireError on short input instead
of returning garbage.
"""

import socket
import struct
import time


class WireError(Exception):
    """A response that does not parse as the expected message."""


class Writer:
    def __init__(self):
        self._parts = []

    def raw(self, data):
        self._parts.append(bytes(data))
        return self

    def int8(self, v):
        return self.raw(struct.pack(">b", v))

    def int16(self, v):
        return self.raw(struct.pack(">h", v))

    def int32(self, v):
        return self.raw(struct.pack(">i", v))

    def int64(self, v):
        return self.raw(struct.pack(">q", v))

    def uint32(self, v):
        return self.raw(struct.pack(">I", v))

    def uvarint(self, v):
        assert v >= 0
        out = bytearray()
        while v >= 0x80:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        out.append(v)
        return self.raw(out)

    def varint(self, v):
        # Zigzag, 64-bit: small negatives stay short.
        return self.uvarint((v << 1) ^ (v >> 63))

    def string(self, s):
        data = s.encode() if isinstance(s, str) else s
        return self.int16(len(data)).raw(data)

    def nullable_string(self, s):
        if s is None:
            return self.int16(-1)
        return self.string(s)

    def compact_string(self, s):
        data = s.encode() if isinstance(s, str) else s
        return self.uvarint(len(data) + 1).raw(data)

    def compact_nullable_string(self, s):
        if s is None:
            return self.uvarint(0)
        return self.compact_string(s)

    def compact_bytes(self, data):
        if data is None:
            return self.uvarint(0)
        return self.uvarint(len(data) + 1).raw(data)

    def empty_tagged_fields(self):
        return self.uvarint(0)

    def getvalue(self):
        return b"".join(self._parts)


class Reader:
    def __init__(self, data):
        self._data = bytes(data)
        self._pos = 0

    def remaining(self):
        return len(self._data) - self._pos

    def _take(self, n):
        if n < 0 or self._pos + n > len(self._data):
            raise WireError(f"need {n} bytes at {self._pos}, have {self.remaining()}")
        out = self._data[self._pos:self._pos + n]
        self._pos += n
        return out

    def int8(self):
        return struct.unpack(">b", self._take(1))[0]

    def int16(self):
        return struct.unpack(">h", self._take(2))[0]

    def int32(self):
        return struct.unpack(">i", self._take(4))[0]

    def int64(self):
        return struct.unpack(">q", self._take(8))[0]

    def uvarint(self):
        shift = 0
        value = 0
        while True:
            b = self._take(1)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7
            if shift > 63:
                raise WireError("varint longer than 10 bytes")

    def string(self):
        n = self.int16()
        return None if n < 0 else self._take(n).decode()

    def compact_string(self):
        n = self.uvarint()
        return None if n == 0 else self._take(n - 1).decode()

    def compact_array_len(self):
        n = self.uvarint()
        return -1 if n == 0 else n - 1

    def skip_tagged_fields(self):
        for _ in range(self.uvarint()):
            self.uvarint()  # tag
            self._take(self.uvarint())

    def expect_end(self, what):
        if self.remaining():
            raise WireError(f"{what}: {self.remaining()} unexpected trailing bytes")


def request_header(api_key, api_version, correlation_id, client_id="runnel-it", flexible=False):
    """Request header v1, or v2 (v1 plus an empty tagged-field section) for flexible versions."""
    w = Writer().int16(api_key).int16(api_version).int32(correlation_id).nullable_string(client_id)
    if flexible:
        w.empty_tagged_fields()
    return w.getvalue()


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


class RawConnection:
    """One blocking TCP connection speaking size-prefixed frames."""

    def __init__(self, host, port, timeout=15.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self._next_correlation = 1

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise WireError(f"connection closed after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self):
        (size,) = struct.unpack(">i", self._recv_exact(4))
        if size < 0 or size > 64 << 20:
            raise WireError(f"response frame size {size}")
        return self._recv_exact(size)

    def request(self, api_key, api_version, body, flexible_request=False, flexible_response=False):
        """Sends one request; returns a Reader positioned after the response header."""
        correlation_id = self._next_correlation
        self._next_correlation += 1
        header = request_header(api_key, api_version, correlation_id, flexible=flexible_request)
        self.send(frame(header + body))
        r = Reader(self.recv_frame())
        got = r.int32()
        if got != correlation_id:
            raise WireError(f"correlation id {got}, expected {correlation_id}")
        if flexible_response:
            r.skip_tagged_fields()
        return r

    def wait_closed(self, timeout=None):
        """True once the peer closes (EOF or reset) within timeout; False if still open.

        Whatever the peer sends before closing is read and discarded."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                if not self.sock.recv(65536):
                    return True
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
