"""What the benchmarks that drive the app over HTTP share: a throwaway database, the app under gunicorn, a
browser-like client on asyncio, and the CPU time of processes.

Runtime requirements only (no test helpers, no Playwright): the app and gunicorn are started with this Python
(``sys.executable -m gunicorn``), so the benchmarks run wherever the environment lives.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PGBIN = Path("/usr/lib/postgresql/15/bin")
TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*?value="(\d+)"')
TIMEOUT = 30.0  # seconds a client waits for an answer before it counts the request as failed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_available() -> bool:
    """Debian's postgresql-15 is installed and we may start it as its own user (root only)."""
    return (PGBIN / "initdb").exists() and hasattr(os, "geteuid") and os.geteuid() == 0


# --- the database and the app -----------------------------------------------------------------------------


class Postgres:
    """A throwaway PostgreSQL cluster on a free loopback port, removed with everything in it by ``stop``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pg.", dir="/tmp"))  # short: the socket path has a length limit
        self.port = free_port()
        shutil.chown(self.root, "postgres", "postgres")

    def _as_postgres(self, command: str) -> None:
        subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True)  # noqa: S607

    def start(self) -> None:
        self._as_postgres(f"{PGBIN}/initdb -D {self.root}/data -A trust -U postgres -E UTF8 --locale=C.UTF-8")
        self._as_postgres(
            f"{PGBIN}/pg_ctl -D {self.root}/data -o '-p {self.port} -k {self.root} -c "
            f"listen_addresses=127.0.0.1 -c max_connections=200' -l {self.root}/log -w start"
        )

    def database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        self._as_postgres(f"{PGBIN}/createdb -h 127.0.0.1 -p {self.port} {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    @property
    def pid(self) -> int | None:
        """The postmaster's process id: its CPU time and its children's are the database's."""
        try:
            return int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        subprocess.run(
            ["su", "postgres", "-c", f"{PGBIN}/pg_ctl -D {self.root}/data -m fast -w stop"],  # noqa: S607
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def environment(database_url: str, folder: Path) -> dict[str, str]:
    """The production configuration, on loopback, with throttling off (every client comes from one address)."""
    return {
        **os.environ,
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "PREVIEW_FOLDER": str(folder / "previews"),
        "MAIL_OUTBOX": str(folder / "outbox"),
        "UNCERTAINTY_JOB_LOG": str(folder / "uncertainty-jobs.log"),
        "UNCERTAINTY_COMPILE_CACHE": str(folder / "jax-cache"),
        "RATELIMIT_ENABLED": "0",
        # The site's address as production needs it; the clients connect to 127.0.0.1 and say so in Host.
        "EXTERNAL_URL": "https://127.0.0.1",
    }


def flask(env: dict[str, str], *args: str) -> str:
    """Run a ``flask`` command of the app (``db upgrade``, ``awards seed-demo``) and return what it printed."""
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def call_in_app(env: dict[str, str], function: str, *args) -> object:
    """Call ``module:function(*args)`` in a child process with the app's environment; it returns JSON."""
    module, name = function.split(":")
    code = f"import json, {module} as m; print(json.dumps(m.{name}(*{args!r})))"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode:
        raise SystemExit(f"{function} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


class Server:
    """The app (or any WSGI callable of this project) under gunicorn on a free loopback port."""

    def __init__(
        self, target: str, env: dict[str, str], folder: Path, workers: int = 2, threads: int = 0, warm: str = "/"
    ) -> None:
        self.port = free_port()
        self.log_path = folder / f"gunicorn-{self.port}.log"
        # gthread workers with that many threads each, or (0) gunicorn's default sync workers, as a plain
        # `gunicorn --workers N wsgi:app` deployment has.
        worker_class = ["--threads", str(threads), "--worker-class", "gthread"] if threads else []
        self.description = f"gunicorn {workers} " + (
            f"gthread workers × {threads} threads" if threads else "sync workers"
        )
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    str(workers),
                    *worker_class,
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--backlog",
                    "2048",
                    "--graceful-timeout",
                    "5",
                    target,
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready(workers, warm)

    def _wait_until_ready(self, workers: int, warm: str) -> None:
        for _ in range(300):
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
            except OSError:
                time.sleep(0.1)
                continue
            # Every worker loads its templates and catalogues on its first requests: not what is measured.
            asyncio.run(self._warm(4 * workers, warm))
            return
        self.stop()
        raise SystemExit(f"gunicorn did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    async def _warm(self, requests: int, path: str) -> None:
        for _ in range(requests):
            async with Browser(self.port) as browser:  # a new connection each time, to reach every worker
                await browser.request("GET", path)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- how busy each process was --------------------------------------------------------------------------------


def cpu_seconds(pid: int | None) -> float:
    """CPU time so far of a process and its descendants, the children it has reaped included (Linux /proc)."""
    if pid is None or not Path("/proc/self/stat").exists():
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        # After the command's closing parenthesis: state, ppid, ... utime, stime, cutime, cstime (fields 3-17).
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = sum(int(value) for value in fields[11:15])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(used.get(member, 0) for member in tree) / ticks


@dataclass
class Busy:
    """CPU seconds of this process (the load generator) and of other processes over a stretch of wall time."""

    others: dict[str, int | None] = field(default_factory=dict)  # name -> root process id
    wall: float = 0.0
    own: float = 0.0
    used: dict[str, float] = field(default_factory=dict)

    def __enter__(self) -> Busy:
        self._wall, self._own = time.perf_counter(), time.process_time()
        self._start = {name: cpu_seconds(pid) for name, pid in self.others.items()}
        return self

    def __exit__(self, *_exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.own = time.process_time() - self._own
        self.used = {name: cpu_seconds(pid) - self._start[name] for name, pid in self.others.items()}

    def describe(self, generator: str = "load generator") -> str:
        """ "load generator 1.2 s CPU in 60.1 s (2% of a core); app 40.3 s (67%); ..." for a reader to compare."""
        parts = [f"{generator} {self.own:.1f} s CPU in {self.wall:.1f} s ({100 * self.own / self.wall:.0f}% of a core)"]
        parts += [f"{name} {used:.1f} s ({100 * used / self.wall:.0f}%)" for name, used in self.used.items()]
        return "; ".join(parts) + f"; {os.cpu_count()} cores in all"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_speed() -> str:
    """This machine's single-core speed now, by a fixed pure-Python yardstick (the best of three timings of ten
    million additions): two virtual machines of the same name, or one at two moments, can differ by a factor of two,
    and a figure is comparable with another day's only beside this one."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for value in range(10_000_000):
            total += value
        best = min(best, time.perf_counter() - started)
    return f"yardstick (10 million additions in Python) {best * 1000:.0f} ms"


# --- a browser-like client on asyncio ---------------------------------------------------------------------------


@dataclass
class Stats:
    """Every timed request: its kind, its time and its answer; errors by kind."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)

    def add(self, what: str, seconds: float, status: int) -> None:
        self.times.setdefault(what, []).append(seconds)
        if status >= 400 or status == 0:
            self.errors[f"{what}: {'no answer' if status == 0 else f'HTTP {status}'}"] += 1

    @property
    def all_times(self) -> list[float]:
        return [seconds for times in self.times.values() for seconds in times]


@dataclass
class Response:
    status: int
    body: bytes
    headers: list[tuple[str, str]]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One person's connection, as a browser keeps it: HTTP/1.1 keep-alive, cookies (Secure ones too: this is
    loopback), a connection the server closed while the person was thinking opened again. Requests with a ``what``
    are timed into ``stats``, from sending to the last byte of the answer."""

    def __init__(self, port: int, stats: Stats | None = None) -> None:
        self.port, self.stats = port, stats
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict | None = None, what: str = ""
    ) -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        if self.cookies:
            lines.append(f"Cookie: {self.cookie_header}")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        started = time.perf_counter()
        try:
            response = await asyncio.wait_for(self._exchange(message), TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            response = Response(0, b"", [])
        if what and self.stats is not None:
            self.stats.add(what, time.perf_counter() - started, response.status)
        for name, value in response.headers:
            if name == "set-cookie":
                cookie, _sep, rest = value.partition(";")
                key, _sep, content = cookie.partition("=")
                if content and "max-age=0" not in rest.lower().replace(" ", ""):
                    self.cookies[key.strip()] = content.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        return response

    async def _exchange(self, message: bytes) -> Response:
        for attempt in range(2):
            reused = self.writer is not None and not self.reader.at_eof() and not self.writer.is_closing()
            if not reused:
                self.close()
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(message)
                await self.writer.drain()
                return await self._read()
            except (OSError, asyncio.IncompleteReadError):
                self.close()
                if not reused or attempt:
                    raise
                # The server had closed the idle connection before it read the request: send it again, as a
                # browser does.
        raise OSError("unreachable")

    async def _read(self) -> Response:
        status_line = await self.reader.readline()
        if not status_line:
            raise asyncio.IncompleteReadError(b"", None)
        status = int(status_line.split()[1])
        headers = []
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            headers.append((name.strip().lower(), value.strip()))
        fields = dict(headers)
        until_closed = "content-length" not in fields and "transfer-encoding" not in fields
        if "content-length" in fields:
            body = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            body = b"".join(chunks)
        else:
            body = await self.reader.read()
        if until_closed or fields.get("connection", "").lower() == "close":
            self.close()
        return Response(status, body, headers)

    async def get(self, path: str, what: str = "") -> Response:
        return await self.request("GET", path, what=what)

    async def post(self, path: str, fields: dict, what: str = "", headers: dict | None = None) -> Response:
        form = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return await self.request("POST", path, urlencode(fields).encode(), form, what)

    async def post_file(self, path: str, fields: dict, name: str, data: bytes, what: str = "") -> Response:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return await self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}, what
        )

    async def sign_in(self, email: str, password: str) -> bool:
        page = await self.get("/auth/login")
        token = TOKEN.search(page.text)
        answer = await self.post(
            "/auth/login", {"email": email, "password": password, "csrf_token": token.group(1) if token else ""}
        )
        return answer.status == 302


def small_pdf(text: str = "Implementation plan") -> bytes:
    """A valid one-page PDF (its cross-reference table points at the real offsets)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


# --- figures -----------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.95 for p95); NaN without values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def spread(values: list[float], digits: int = 0) -> str:
    """ "12–15 (median 13)" over runs; one value alone as itself."""
    if len(values) == 1:
        return f"{values[0]:,.{digits}f}"
    ordered = sorted(values)
    median = statistics.median(ordered)
    return f"{ordered[0]:,.{digits}f}–{ordered[-1]:,.{digits}f} (median {median:,.{digits}f})"
