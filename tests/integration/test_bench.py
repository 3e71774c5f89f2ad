"""`runnel bench` end to end: very short runs against a started broker (and the
baselines the harness starts itself), checking that the JSON report is sane —
counts add up, percentiles are ordered, every suite figure is present. Never a
performance threshold: the machine is shared and noisy.

The bench is `runnel bench` when the runnel binary has it, else the standalone
`runnel-bench` beside it (RUNNEL_BENCH_BIN overrides).
"""

import json
import os
import shutil
import subprocess

import pytest

from conftest import runnel_binary

TIMEOUT = 240


def bench_command():
    override = os.environ.get("RUNNEL_BENCH_BIN")
    if override:
        return [override, "bench"]
    runnel = runnel_binary()
    if runnel.exists():
        # `runnel bench --help` succeeds even without the subcommand (it is
        # the top-level help then): look for bench in the subcommand list.
        probe = subprocess.run([str(runnel), "--help"], capture_output=True, text=True)
        if any(line.split()[:1] == ["bench"] for line in probe.stdout.splitlines()):
            return [str(runnel), "bench"]
    standalone = runnel.parent / "runnel-bench"
    if standalone.exists():
        return [str(standalone), "bench"]
    pytest.skip("neither `runnel bench` nor runnel-bench is built")


def run_bench(*args, expect_rc=0):
    cmd = bench_command() + [*args, "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == expect_rc, f"{cmd} -> {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}"
    report = json.loads(proc.stdout)
    assert report["machine"] and report["started"]
    assert report["command"].startswith("runnel bench")
    return report


def only_result(report):
    assert len(report["results"]) == 1, report
    r = report["results"][0]
    assert r["ok"], r
    return r


def check_rates(r):
    assert r["seconds"] > 0
    assert r["records_per_s"] == pytest.approx(r["records"] / r["seconds"])
    assert r["bytes_per_s"] == pytest.approx(r["bytes"] / r["seconds"])


def check_latency(lat, records):
    assert 0 < lat["count"] <= records
    assert 0 <= lat["p50"] <= lat["p99"] <= lat["p999"] <= lat["max"]
    assert lat["mean"] <= lat["max"]


def test_produce_counts_add_up(broker):
    r = only_result(run_bench("produce", "--brokers", broker.bootstrap, "--count", "3000", "--record-size", "100",
                              "--partitions", "3", "--producers", "2", "--acks", "all"))
    assert r["workload"] == "produce" and r["target"] == "brokers"
    assert r["records"] == r["sent"] == 3000
    assert r["errors"] == 0
    assert r["bytes"] == 3000 * 100
    check_rates(r)


def test_e2e_latency_is_ordered(broker):
    r = only_result(run_bench("e2e", "--brokers", broker.bootstrap, "--rate", "400", "--duration", "1500ms",
                              "--record-size", "64", "--partitions", "2", "--consumers", "2", "--linger", "1",
                              "--fetch-wait", "50"))
    assert r["workload"] == "e2e"
    assert r["sent"] > 0
    assert r["records"] == r["sent"]  # every produced record was consumed
    assert r["bytes"] == r["records"] * 64
    check_latency(r["latency_ms"], r["records"])
    check_rates(r)


def test_catchup_reads_everything_back(broker):
    r = only_result(run_bench("catchup", "--brokers", broker.bootstrap, "--count", "2000", "--record-size", "512",
                              "--partitions", "4", "--consumers", "2", "--compression", "lz4"))
    assert r["records"] == r["sent"] == 2000
    assert r["bytes"] == 2000 * 512
    check_rates(r)


def test_connections_and_rss_weigh_the_broker(broker):
    r = only_result(run_bench("connections", "--brokers", broker.bootstrap, "--broker-pid", str(broker.pid),
                              "--connections", "25"))
    assert r["records"] == 25
    extra = r["extra"]
    assert extra["rss_before_mib"] > 0 and extra["rss_after_mib"] > 0
    assert "kib_per_connection" in extra
    r = only_result(run_bench("rss", "--brokers", broker.bootstrap, "--broker-pid", str(broker.pid)))
    assert r["extra"]["rss_mib"] > 0


def test_start_runnel_starts_and_stops_its_own_broker(tmp_path):
    runnel = runnel_binary()
    if not runnel.exists():
        pytest.skip(f"{runnel} not built")
    r = only_result(run_bench("produce", "--start-runnel", str(runnel), "--runnel-arg=--smp=1", "--count", "500",
                              "--record-size", "10", "--partitions", "1", "--data-dir", str(tmp_path)))
    assert r["target"] == "runnel" and r["records"] == 500
    # The scratch dir (data, log) is removed with the broker.
    assert list(tmp_path.iterdir()) == []


def test_mock_and_loopback_baselines():
    r = only_result(run_bench("produce", "--mock", "--count", "2000", "--record-size", "100"))
    assert r["target"] == "mock" and r["records"] == 2000
    r = only_result(run_bench("loopback", "--duration", "200ms"))
    assert r["bytes"] > 0 and r["records"] > 0
    check_rates(r)


def test_odirect_baseline(tmp_path):
    proc = subprocess.run(bench_command() + ["odirect", "--count", "4", "--data-dir", str(tmp_path), "--json"],
                          capture_output=True, text=True, timeout=TIMEOUT)
    report = json.loads(proc.stdout)
    r = report["results"][0]
    if not r["ok"] and "O_DIRECT" in r.get("error", ""):
        pytest.skip(f"filesystem of {tmp_path} refuses O_DIRECT: {r['error']}")
    assert proc.returncode == 0, proc.stderr
    assert r["records"] == 4 and r["bytes"] == 4 << 20


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_redis_baseline_drains_what_it_added(tmp_path):
    report = run_bench("redis", "--count", "1500", "--record-size", "200", "--pipeline", "100",
                       "--appendfsync", "everysec", "--data-dir", str(tmp_path))
    add, read = report["results"]
    assert add["ok"] and read["ok"], report
    assert add["workload"] == "redis-xadd" and read["workload"] == "redis-xreadgroup"
    assert add["records"] == read["records"] == 1500
    assert add["bytes"] == read["bytes"] == 1500 * 200


def test_bad_flags_are_usage_errors():
    proc = subprocess.run(bench_command() + ["produce", "--mock", "--acks", "2"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--acks" in proc.stderr
    proc = subprocess.run(bench_command() + ["produce"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "target" in proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_standard_suite_smoke(broker, tmp_path):
    report = run_bench("--suite", "standard", "--brokers", broker.bootstrap, "--broker-pid", str(broker.pid),
                       "--scale", "0.02", "--data-dir", str(tmp_path))
    ids = [r["id"] for r in report["results"]]
    assert len(ids) == len(set(ids))
    for r in report["results"]:
        assert r["ok"], r
    by_id = {r["id"]: r for r in report["results"]}
    for ratio in report["ratios"]:
        assert ratio["numerator"] in by_id and ratio["denominator"] in by_id, ratio
        assert ratio["value"] is not None and ratio["value"] > 0, ratio
    for check in report["checks"]:
        assert check["result"] in by_id, check
        assert check["value"] is not None, check
    for key in ("runnel.e2e.half", "runnel.e2e.quarter"):
        check_latency(by_id[key]["latency_ms"], by_id[key]["records"])
