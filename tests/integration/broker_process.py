"""One `runnel serve` process under test: free ports, its own data dir, a
stderr log, start/stop/restart, and the checks every test ends with (clean
exit, no sanitizer report).

The ports are chosen once and kept across restarts, as clients reconnect to the
address they bootstrapped from.
"""

import re
import signal
import socket
import subprocess
import time

START_TIMEOUT = 60.0  # generous: the machine's 2 cores are shared with builds
STOP_TIMEOUT = 60.0

# What sanitizer runtimes print; any of it in the log fails the test.
SANITIZER_PATTERNS = re.compile(
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|UndefinedBehaviorSanitizer|"
    r"runtime error: |ThreadSanitizer|SUMMARY: \w+Sanitizer")


def free_port():
    """A port nothing listens on now (the kernel's pick). Racy in principle;
    start() retries with new ports if the broker cannot bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BrokerError(Exception):
    pass


class BrokerProcess:
    def __init__(self, binary, data_dir, log_path, smp=2, extra_args=()):
        self.binary = str(binary)
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.smp = smp
        self.extra_args = list(extra_args)
        self.kafka_port = free_port()
        self.admin_port = free_port()
        self.proc = None
        self.starts = 0
        # Every exit seen: (how it was stopped, return code). Checked at teardown.
        self.exits = []

    @property
    def host(self):
        return "127.0.0.1"

    @property
    def bootstrap(self):
        return f"{self.host}:{self.kafka_port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def command(self):
        return [self.binary, "serve", "--data-dir", self.data_dir,
                "--kafka-addr", f"{self.host}:{self.kafka_port}",
                "--admin-addr", f"{self.host}:{self.admin_port}",
                "--smp", str(self.smp), *self.extra_args]

    def start(self):
        assert not self.running(), "broker already running"
        first_start = self.starts == 0
        for attempt in range(3):
            self.starts += 1
            with open(self.log_path, "a") as log:
                log.write(f"\n===== start #{self.starts}: {' '.join(self.command())}\n")
                log.flush()
                self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT)
            rc = self._wait_accepting()
            if rc is None:
                return
            if first_start and attempt < 2 and "in use" in self.log_tail(20).lower():
                # Lost the free-port race on the very first start: pick new
                # ports. A restart keeps its ports, so there it is a failure.
                self.kafka_port, self.admin_port = free_port(), free_port()
                continue
            self.exits.append(("exited during start", rc))
            raise BrokerError(f"broker exited with {rc} before accepting on {self.bootstrap}\n"
                              + self.log_tail())

    def _wait_accepting(self):
        """None once the Kafka port accepts; the exit code if the broker died first."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                return rc
            try:
                with socket.create_connection((self.host, self.kafka_port), timeout=1.0):
                    return None
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise BrokerError(f"broker did not accept on {self.bootstrap} within {START_TIMEOUT}s\n"
                          + self.log_tail())

    def stop(self):
        """SIGTERM and wait for a clean exit; returns the exit code."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            self.exits.append((f"SIGTERM ignored for {STOP_TIMEOUT}s, killed", rc))
            raise BrokerError(f"broker did not exit within {STOP_TIMEOUT}s of SIGTERM\n" + self.log_tail())
        self.exits.append(("SIGTERM", rc))
        return rc

    def kill(self):
        """SIGKILL: the crash case. Not an unclean exit the test is blamed for."""
        if self.running():
            self.proc.kill()
            self.exits.append(("SIGKILL", self.proc.wait()))

    def restart(self, sigkill=False):
        if sigkill:
            self.kill()
        else:
            rc = self.stop()
            if rc != 0:
                raise BrokerError(f"broker exited with {rc} on SIGTERM\n" + self.log_tail())
        self.start()

    def rss_kib(self):
        """VmRSS of the broker in KiB (resident anonymous + file-backed + shmem)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise BrokerError("no VmRSS line")

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=60):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def problems(self):
        """What is wrong with how the broker ran: unclean exits, sanitizer output."""
        out = []
        for how, rc in self.exits:
            if how != "SIGKILL" and rc != 0:
                out.append(f"broker exit code {rc} ({how})")
        match = SANITIZER_PATTERNS.search(self.log_text())
        if match:
            text = self.log_text()
            start = max(0, match.start() - 200)
            out.append("sanitizer report in broker log:\n" + text[start:start + 3000])
        return out
