#!/usr/bin/python3
"""Captures the Kafka requests (and responses) real clients send, as golden files.

Starts a librdkafka mock cluster (mock_cluster.c), runs kcat, kafka-python and
confluent-kafka against it while tcpdump records the loopback traffic, then
reassembles each TCP connection, splits it into Kafka frames and writes the
chosen frames (size prefix stripped: header + body) to
tests/unit/protocol/testdata/golden/, together with manifest.tsv and README.md.

tcpdump sees every connection, including the ones a client opens to the
address the mock's Metadata advertises, which is why this does not use a
proxy. Needs root (or CAP_NET_RAW) for tcpdump, and: cc, librdkafka-dev, kcat,
tcpdump, python3-kafka, python3-confluent-kafka.

Usage: sudo tools/golden-capture/capture.py [--out DIR]
"""
import argparse
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_OUT = REPO / "tests/unit/protocol/testdata/golden"
PYTHON = "/usr/bin/python3"  # the Debian packages live here, not in a venv

API_NAMES = {0: "produce", 1: "fetch", 2: "list_offsets", 3: "metadata", 18: "api_versions"}
PRODUCE, FETCH, LIST_OFFSETS, METADATA, API_VERSIONS = 0, 1, 2, 3, 18

KCAT_CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
# kafka-python does gzip with the standard library; its snappy, lz4 and zstd
# need python3-snappy / python3-lz4 / python3-zstandard, which are not
# installed here, so those captures are skipped (see README.md).
KAFKA_PYTHON_CODECS = ["none", "gzip"]

RECORDS_TEXT = "".join(f"k{i}:value-{i}\n" for i in range(10))


class Scenario:
    """One client run, and which of its requests become golden files.

    keep maps an API key to the suffix its golden file name gets;
    pick_frames says which of the run's requests of that API are kept."""

    def __init__(self, client, file_prefix, what, topic, argv, keep, codec="none"):
        self.client = client
        self.file_prefix = file_prefix
        self.what = what
        self.topic = topic
        self.argv = argv
        self.keep = keep
        self.codec = codec


def scenarios(bootstrap):
    out = []
    kcat_id = "runnel-golden-kcat"
    out.append(Scenario(
        "kcat", "kcat", f"`kcat -L` metadata listing for topic golden-kcat-none",
        "golden-kcat-none",
        ["kcat", "-b", bootstrap, "-X", f"client.id={kcat_id}", "-L", "-t", "golden-kcat-none"],
        {API_VERSIONS: "", METADATA: ""}))
    for codec in KCAT_CODECS:
        topic = f"golden-kcat-{codec}"
        out.append(Scenario(
            "kcat", "kcat", f"produce k0..k9 / value-0..value-9 to {topic}, partition 0, codec {codec}",
            topic,
            ["kcat", "-b", bootstrap, "-X", f"client.id={kcat_id}", "-X", "linger.ms=200", "-P", "-t", topic,
             "-p", "0", "-z", codec, "-K", ":"],
            {PRODUCE: f"_{codec}"}, codec))
    out.append(Scenario(
        "kcat", "kcat", "consume golden-kcat-none from the beginning (`-o beginning -e`)",
        "golden-kcat-none",
        ["kcat", "-b", bootstrap, "-X", f"client.id={kcat_id}", "-C", "-t", "golden-kcat-none", "-p", "0",
         "-o", "beginning", "-e", "-f", "%k:%s\n"],
        {LIST_OFFSETS: "", FETCH: ""}))
    for client, prefix, codecs in (("kafka-python", "kafka_python", KAFKA_PYTHON_CODECS),
                                   ("confluent", "confluent", ["none"])):
        for codec in codecs:
            topic = f"golden-{client}-{codec}"
            out.append(Scenario(
                client, prefix, f"produce k0..k9 / value-0..value-9 to {topic}, partition 0, codec {codec}",
                topic, [PYTHON, str(HERE / "python_clients.py"), bootstrap, client, "produce", topic, codec],
                {PRODUCE: f"_{codec}"}, codec))
        topic = f"golden-{client}-none"
        out.append(Scenario(
            client, prefix, f"consume {topic} partition 0 from the earliest offset",
            topic, [PYTHON, str(HERE / "python_clients.py"), bootstrap, client, "fetch", topic],
            # A consumer's start-up shows the whole handshake, and (unlike
            # kafka-python's producer) asks Metadata for its topic by name.
            {API_VERSIONS: "", METADATA: "", LIST_OFFSETS: "", FETCH: ""}))
    return out


# --- pcap reading --------------------------------------------------------------

def read_pcap_segments(path, broker_port):
    """Yields (connection, to_broker, seq, payload) for every TCP segment with data."""
    data = Path(path).read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        raise SystemExit(f"{path}: not a pcap file (tcpdump -w writes classic pcap)")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    pos = 24
    while pos + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen
        if linktype == 1:  # Ethernet (what Linux's lo reports)
            if struct.unpack(">H", frame[12:14])[0] != 0x0800:
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked capture (-i any)
            ip = frame[16:]
        else:
            raise SystemExit(f"{path}: unsupported link type {linktype}")
        if ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ip_len = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[(ip[0] & 0xF) * 4:ip_len]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        payload = tcp[(tcp[12] >> 4) * 4:]
        if not payload:
            continue
        if dport == broker_port:
            yield (sport, True, seq, payload)
        elif sport == broker_port:
            yield (dport, False, seq, payload)


def reassemble(path, broker_port):
    """Returns {client_port: (client_to_broker_bytes, broker_to_client_bytes)}."""
    segments = {}
    for conn, to_broker, seq, payload in read_pcap_segments(path, broker_port):
        segments.setdefault((conn, to_broker), {})[seq] = payload
    streams = {}
    for (conn, to_broker), by_seq in segments.items():
        ordered = sorted(by_seq.items())
        out = bytearray()
        expected = ordered[0][0]
        for seq, payload in ordered:
            if seq != expected:
                raise SystemExit(f"connection {conn}: gap or overlap in captured stream at seq {seq}")
            out += payload
            expected = (seq + len(payload)) & 0xFFFFFFFF
        pair = list(streams.get(conn, (b"", b"")))
        pair[0 if to_broker else 1] = bytes(out)
        streams[conn] = tuple(pair)
    return streams


def split_frames(stream):
    frames = []
    pos = 0
    while pos + 4 <= len(stream):
        size = struct.unpack(">i", stream[pos:pos + 4])[0]
        if size < 0 or pos + 4 + size > len(stream):
            raise SystemExit("captured stream ends inside a frame")
        frames.append(stream[pos + 4:pos + 4 + size])
        pos += 4 + size
    if pos != len(stream):
        raise SystemExit("captured stream has a partial size prefix")
    return frames


def request_header(frame):
    api_key, api_version, correlation_id, client_id_len = struct.unpack(">hhih", frame[:10])
    client_id = frame[10:10 + client_id_len].decode() if client_id_len >= 0 else None
    return api_key, api_version, correlation_id, client_id


# --- running -------------------------------------------------------------------

def start_tcpdump(pcap, port):
    proc = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "-s", "0", "-n", "--immediate-mode", "-Z", "root", "-w", pcap, f"tcp port {port}"],
                            stderr=subprocess.PIPE, text=True)
    # tcpdump says "listening on" once the filter is installed; anything sent
    # before that would be missing from the capture. --immediate-mode matters:
    # without it packets sit in the kernel ring until a block fills or times
    # out, and SIGINT discards what is still there. -Z root keeps tcpdump able
    # to write into our private temporary directory.
    line = proc.stderr.readline()
    if "listening on" not in line:
        raise SystemExit(f"tcpdump did not start: {line}")
    return proc


def stop_tcpdump(proc):
    time.sleep(0.5)  # let the last segments reach the capture buffer
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)


def run_scenario(scenario, port, workdir, index):
    pcap = os.path.join(workdir, f"{index:02d}.pcap")
    dump = start_tcpdump(pcap, port)
    try:
        stdin = RECORDS_TEXT if "-P" in scenario.argv else None
        result = subprocess.run(scenario.argv, input=stdin, capture_output=True, text=True, timeout=60)
    finally:
        stop_tcpdump(dump)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(scenario.argv)} failed:\n{result.stderr}")
    if scenario.client == "kcat" and "-C" in scenario.argv and result.stdout != RECORDS_TEXT:
        raise SystemExit(f"kcat consumed {result.stdout!r}, expected the ten golden records")
    return pcap


def pick_frames(scenario, pcap, port):
    """Returns [(api_key, request_frame, response_frame)] for the scenario's keep list:
    for each kept API and each version of it the client sent, the first request
    of that version naming the scenario's topic, or failing that the first."""
    first = {}
    naming_topic = {}
    topic_bytes = scenario.topic.encode()
    for conn, (to_broker, to_client) in sorted(reassemble(pcap, port).items()):
        responses = {struct.unpack(">i", f[:4])[0]: f for f in split_frames(to_client)}
        for frame in split_frames(to_broker):
            api_key, api_version, correlation_id, _ = request_header(frame)
            if api_key not in scenario.keep:
                continue
            entry = (frame, responses.get(correlation_id))
            first.setdefault((api_key, api_version), entry)
            if topic_bytes in frame:
                naming_topic.setdefault((api_key, api_version), entry)
    missing = [API_NAMES[k] for k in scenario.keep if not any(key[0] == k for key in first)]
    if missing:
        raise SystemExit(f"{scenario.what}: no {', '.join(missing)} request captured")
    return [(key[0], *naming_topic.get(key, first[key])) for key in sorted(first)]


def package_version(name):
    return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True,
                          text=True).stdout or "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()
    for tool in ("cc", "kcat", "tcpdump"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    versions = {
        "kcat": f"kcat {package_version('kcat')}, librdkafka {package_version('librdkafka1')}",
        "kafka-python": f"kafka-python {package_version('python3-kafka')}",
        "confluent": f"confluent-kafka {package_version('python3-confluent-kafka')}, "
                     f"librdkafka {package_version('librdkafka1')}",
    }

    with tempfile.TemporaryDirectory(prefix="golden-capture-") as workdir:
        mock_bin = os.path.join(workdir, "mock_cluster")
        subprocess.run(["cc", "-O1", "-Wall", "-Wextra", "-o", mock_bin, str(HERE / "mock_cluster.c"), "-lrdkafka"],
                       check=True)
        probe = scenarios("x")
        topics = sorted({s.topic for s in probe})
        mock = subprocess.Popen([mock_bin, *topics], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            bootstrap = mock.stdout.readline().strip()
            port = int(bootstrap.rsplit(":", 1)[1])
            print(f"mock cluster at {bootstrap}", file=sys.stderr)
            manifest = []
            for index, scenario in enumerate(scenarios(bootstrap)):
                pcap = run_scenario(scenario, port, workdir, index)
                for api_key, request, response in pick_frames(scenario, pcap, port):
                    _, api_version, correlation_id, client_id = request_header(request)
                    suffix = scenario.keep[api_key]
                    name = f"{scenario.file_prefix}_{API_NAMES[api_key]}_v{api_version}{suffix}"
                    (out / f"{name}.bin").write_bytes(request)
                    response_name = ""
                    if response is not None:
                        response_name = f"{name}_response.bin"
                        (out / response_name).write_bytes(response)
                    manifest.append({
                        "file": f"{name}.bin", "response": response_name, "client": scenario.client,
                        "client_version": versions[scenario.client], "api_key": api_key,
                        "api_version": api_version, "correlation_id": correlation_id, "client_id": client_id,
                        "topic": scenario.topic, "codec": scenario.codec if api_key == PRODUCE else "",
                        "what": scenario.what,
                    })
                    print(f"  {name}.bin ({len(request)} bytes)", file=sys.stderr)
        finally:
            mock.stdin.close()
            mock.wait(timeout=10)
    write_manifest(out, manifest)
    write_readme(out, manifest)


MANIFEST_COLUMNS = ["file", "response", "client", "api_key", "api_version", "correlation_id", "client_id",
                    "topic", "codec"]


def write_manifest(out, manifest):
    lines = ["\t".join(MANIFEST_COLUMNS)]
    for row in manifest:
        lines.append("\t".join(str(row[c]) if row[c] is not None else "" for c in MANIFEST_COLUMNS))
    (out / "manifest.tsv").write_text("\n".join(lines) + "\n")


def write_readme(out, manifest):
    rows = []
    for row in manifest:
        response = f"`{row['response']}`" if row["response"] else "—"
        rows.append(f"| `{row['file']}` | {response} | {row['client_version']} | "
                    f"{API_NAMES[row['api_key']]} ({row['api_key']}) v{row['api_version']} | "
                    f"`{row['client_id']}` | {row['what']} |")
    text = README_TEMPLATE.format(table="\n".join(rows))
    (out / "README.md").write_text(text)


README_TEMPLATE = """\
# Golden Kafka frames from real clients

Every `.bin` here is one Kafka request exactly as a real client sent it over TCP, with the
4-byte size prefix removed (request header + body). `*_response.bin` is the matching
response from the librdkafka mock cluster (correlation id + body), where one was captured.
`manifest.tsv` lists the same facts as the table below in a form tests read.

Regenerate everything (needs root for tcpdump; cc, librdkafka-dev, kcat, tcpdump,
python3-kafka, python3-confluent-kafka):

    sudo tools/golden-capture/capture.py

which builds `tools/golden-capture/mock_cluster.c`, starts a one-broker librdkafka mock
cluster on 127.0.0.1, and for each row runs the client while `tcpdump -i lo` records the
broker port; the connections are reassembled and split into frames. Client ids are set
explicitly (`runnel-golden-*`) so tests can assert them. The commands run are:

- kcat metadata: `kcat -b $BOOTSTRAP -X client.id=runnel-golden-kcat -L -t golden-kcat-none`
- kcat produce: `kcat -b $BOOTSTRAP -X client.id=runnel-golden-kcat -X linger.ms=200 -P -t golden-kcat-$CODEC -p 0 -z $CODEC -K :`
  with stdin `k0:value-0` … `k9:value-9`, one per line
- kcat fetch: `kcat -b $BOOTSTRAP -X client.id=runnel-golden-kcat -C -t golden-kcat-none -p 0 -o beginning -e -f '%k:%s\\n'`
- Python clients: `/usr/bin/python3 tools/golden-capture/python_clients.py $BOOTSTRAP {{kafka-python|confluent}} {{produce|fetch}} $TOPIC [$CODEC]`

**Versions.** Each request's version is what the client negotiated with the librdkafka
2.0.2 mock cluster, whose ApiVersions response caps several APIs (Produce v7, Fetch v11,
Metadata v2, and it answers ApiVersions v3 with UNSUPPORTED_VERSION, so librdkafka retries at
v0). Against a newer broker the same clients would pick higher versions for some APIs.

**Records.** Every Produce carries ten records, all to partition 0 in one batch:
keys `k0` … `k9`, values `value-0` … `value-9` (key `kN` has value `value-N`), no headers.
Topics are `golden-<client>-<codec>`. The fetch captures read back the `-none` topic and
the capture fails unless the client received exactly those ten records.

**Not captured.** kafka-python's snappy, lz4 and zstd need `python3-snappy`, `python3-lz4`
and `python3-zstandard`, which are not installed in this environment, so only its `none` and
`gzip` Produce are here. kcat covers all five codecs.

Which requests are kept: for each API of interest and each version of it the client sent
in that run, the first request of that version whose bytes name the row's topic, or, if
none does, the first of that version. So a client that retries ApiVersions at v0 after a
v3 attempt has both files, and a Metadata file names the topic whenever that version of
the request ever did (a `metadata_v0` with no topic is a client's all-topics probe).

| request | response | client | API | client id | what was sent |
| --- | --- | --- | --- | --- | --- |
{table}
"""


if __name__ == "__main__":
    main()
