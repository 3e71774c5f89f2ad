"""Fixtures for the real-client tests: each test gets its own `runnel serve`
on free ports with a fresh data dir, stopped with SIGTERM at teardown; the
test fails if the broker exited non-zero or printed a sanitizer report.

RUNNEL_BIN picks the binary (default build/bin/runnel), e.g. a sanitizer build.
"""

import os
import pathlib

import pytest

from broker_process import BrokerError, BrokerProcess

REPO = pathlib.Path(__file__).resolve().parents[2]
NODE_DIR = pathlib.Path(__file__).resolve().parent / "node"


def runnel_binary():
    return pathlib.Path(os.environ.get("RUNNEL_BIN", REPO / "build" / "bin" / "runnel"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: load tests; run by default, bounded to about a minute (-m 'not slow' skips them)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def broker_factory(tmp_path, request):
    """make(smp=2, extra_args=()) -> a started BrokerProcess. Several per test are allowed."""
    binary = runnel_binary()
    if not binary.exists():
        pytest.fail(f"{binary} not found: run `make build` first (or set RUNNEL_BIN)")
    brokers = []

    def make(smp=2, extra_args=()):
        n = len(brokers)
        data_dir = tmp_path / f"data{n}"
        data_dir.mkdir()
        b = BrokerProcess(binary, data_dir, tmp_path / f"broker{n}.log", smp=smp, extra_args=extra_args)
        brokers.append(b)
        error = None
        try:
            b.start()
        except BrokerError as e:
            error = str(e)
        if error:
            pytest.fail(f"broker did not start: {error}", pytrace=False)
        return b

    yield make

    problems = []
    for b in brokers:
        try:
            b.stop()
        except BrokerError as e:
            problems.append(str(e))
        problems.extend(b.problems())
    failed = any(getattr(request.node, f"rep_{w}", None) is not None and getattr(request.node, f"rep_{w}").failed
                 for w in ("setup", "call"))
    if failed or problems:
        for i, b in enumerate(brokers):
            print(f"----- broker {i} log ({b.log_path}), last lines -----")
            print(b.log_tail(80))
    if problems:
        pytest.fail("broker ran uncleanly:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def broker(broker_factory):
    """A started broker: .bootstrap, .data_dir, .restart(sigkill=False), .stop(), .pid, .rss_kib()."""
    return broker_factory()


@pytest.fixture(scope="session")
def node_dir():
    """The kafkajs driver's directory, with its npm dependencies installed (`make integration` does that)."""
    if not (NODE_DIR / "node_modules" / "kafkajs").is_dir():
        pytest.skip("kafkajs not installed: run `make integration` "
                    "(or `cd tests/integration/node && npm ci`)")
    return NODE_DIR
