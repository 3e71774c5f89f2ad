"""Start-up failures: a taken port, a taken data directory, an unusable data
directory and a bad setting each stop `runnel serve` with a non-zero exit and
one line naming the problem."""

import subprocess

from broker_process import free_port
from conftest import runnel_binary


def serve(*args):
    return subprocess.run([str(runnel_binary()), "serve", "--smp", "2", *args],
                          capture_output=True, text=True, timeout=60)


def lines(result):
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_kafka_port_in_use(broker, tmp_path):
    # The running broker listens with SO_REUSEPORT; a second one must not join it.
    result = serve("--data-dir", str(tmp_path / "other"), "--kafka-addr", f"127.0.0.1:{broker.kafka_port}",
                   "--admin-addr", f"127.0.0.1:{free_port()}")
    assert result.returncode != 0
    assert lines(result) == [f"runnel serve: cannot listen on Kafka address 127.0.0.1:{broker.kafka_port}: "
                             "Address already in use"], result.stderr


def test_admin_port_in_use(broker, tmp_path):
    result = serve("--data-dir", str(tmp_path / "other"), "--kafka-addr", f"127.0.0.1:{free_port()}",
                   "--admin-addr", f"127.0.0.1:{broker.admin_port}")
    assert result.returncode != 0
    assert len(lines(result)) == 1 and f"127.0.0.1:{broker.admin_port}" in result.stderr, result.stderr


def test_data_dir_in_use(broker):
    result = serve("--data-dir", broker.data_dir, "--kafka-addr", f"127.0.0.1:{free_port()}",
                   "--admin-addr", f"127.0.0.1:{free_port()}")
    assert result.returncode != 0
    assert len(lines(result)) == 1 and broker.data_dir in result.stderr, result.stderr


def test_unusable_data_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = serve("--data-dir", str(blocker / "data"), "--kafka-addr", f"127.0.0.1:{free_port()}",
                   "--admin-addr", f"127.0.0.1:{free_port()}")
    assert result.returncode != 0
    assert len(lines(result)) == 1 and str(blocker / "data") in result.stderr, result.stderr


def test_bad_setting_value(tmp_path):
    result = serve("--data-dir", str(tmp_path / "d"), "--set", "num.partitions=0")
    assert result.returncode != 0
    assert len(lines(result)) == 1 and "num.partitions" in result.stderr, result.stderr
