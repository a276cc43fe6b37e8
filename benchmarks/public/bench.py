# ruff: noqa: S603, S607, S310 - a benchmark driving local programs and 127.0.0.1 only
"""`make bench-public`: Candor's public read path against nginx serving the same bytes.

Builds a page of 20 components and 200 incidents through the services in a database of its own,
starts `candor serve` with production settings, exports the site and serves it with nginx, checks
that both answer the same bytes, then loads `/` and `/api/v2/summary.json` on each with wrk at 64
connections, one after the other, and reports requests/s and p50/p99. Then it measures writes
(benchmarks/public/writes.py): how long the management API takes to answer, whether a read right
after shows the write on the same host, and how soon a second server (another data directory,
the same database) shows it; with 200 incidents in the history, and again with 10,000. Last, the
web processes' memory while incident pages of that history are rendered on request. Everything
listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import writes  # noqa: E402
from common import fetch, free_port, scratch_database, wait_up  # noqa: E402

ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
URLS = ["/", "/api/v2/summary.json"]
# As wrk sends by default (no compression), and as every browser asks (gzip).
ENCODINGS = {"identity": [], "gzip": ["Accept-Encoding: gzip"]}
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
DURATION = os.environ.get("BENCH_DURATION", "5s")
# Candor and nginx take turns, several rounds each; the medians are reported. The machine is
# shared, and a burst of someone else's work must not land on one server only.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
THREADS = os.environ.get("BENCH_THREADS", "2")
WRITES = int(os.environ.get("BENCH_WRITES", "210"))
BIG_HISTORY = int(os.environ.get("BENCH_HISTORY", "10000"))
COLD_PAGES = int(os.environ.get("BENCH_COLD_PAGES", "1500"))
CHUNK = 30  # writes in a row on one page before the other page's turn


def fetch_json(url: str) -> dict:
    import json

    return json.loads(fetch(url))


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, headers: list[str], duration: str = DURATION) -> dict[str, float]:
    flags = [arg for h in headers for arg in ("-H", h)]
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}", "--latency", *flags, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {}
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        latency[pct] = float(value) * UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": latency["50"],
        "p99": latency["99"],
        "errors": int(errors.group(1)) if errors else 0,
    }


def start_host(env: dict[str, str], name: str, log, procs: list) -> str:
    """Another `candor serve` (no delivery worker) with a data directory of its own."""
    port = free_port()
    process = subprocess.Popen(
        [BIN / "candor", "serve", "--port", str(port), "--no-worker"],
        env={**env, "CANDOR_DATA_DIR": str(Path(env["CANDOR_DATA_DIR"]).parent / name)},
        stdout=log,
        stderr=log,
    )
    procs.append(process)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/", process)
    return base


def api_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [BIN / "candor", "apikey", "create", "--name", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


def incident_ids(env: dict[str, str], limit: int) -> list[str]:
    code = (
        "from candor.core.models import Incident; "
        f"print(' '.join(Incident.objects.values_list('pk', flat=True)[:{limit}]))"
    )
    out = subprocess.run(
        [BIN / "candor", "shell", "-v0", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def cold_pages(base: str, ids: list[str]) -> list[float]:
    """Seconds to answer incident pages that no process has rendered yet (rendered on request)."""
    times = []
    for pk in ids:
        started = time.perf_counter()
        status, _ = writes.get(f"{base}/incidents/{pk}")
        if status != 200:
            sys.exit(f"/incidents/{pk} answered {status}")
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    if not shutil.which("wrk") or not Path("/usr/sbin/nginx").exists():
        sys.exit("make bench-public needs wrk and nginx (apt-get install wrk nginx-light)")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    tmp = Path(tempfile.mkdtemp(prefix="candor-bench-"))
    tmp.chmod(0o755)  # nginx's workers run as another user
    db_url, drop = scratch_database(tmp)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CANDOR_DATA_DIR": str(tmp / "data"),
        "CANDOR_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "candor.settings",
        # The write figures send a few hundred writes in a row.
        "CANDOR_API_RATE_LIMIT": "100000",
    }
    procs: list[subprocess.Popen] = []
    drop_big = None
    try:
        subprocess.run([BIN / "candor", "migrate", "-v0"], env=env, check=True)
        populated = subprocess.run(
            [BIN / "python", HERE / "populate.py"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        render = re.search(r"render_seconds=([\d.]+)", populated.stderr).group(1)
        # The same page with a long history, in a database of its own, for the write figures.
        (tmp / "big").mkdir()
        big_url, drop_big = scratch_database(tmp / "big")
        big_env = {**env, "DATABASE_URL": big_url, "CANDOR_DATA_DIR": str(tmp / "big-data")}
        subprocess.run([BIN / "candor", "migrate", "-v0"], env=big_env, check=True)
        subprocess.run(
            [BIN / "python", HERE / "populate.py"], env=big_env, check=True, capture_output=True
        )
        grown = subprocess.run(
            [BIN / "python", HERE / "history.py", str(BIG_HISTORY)],
            env=big_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        site = tmp / "site"
        subprocess.run([BIN / "candor", "export", site], env=env, check=True, capture_output=True)

        candor_port, nginx_port = free_port(), free_port()
        log = open(tmp / "candor.log", "w")  # noqa: SIM115
        candor = subprocess.Popen(
            [BIN / "candor", "serve", "--port", str(candor_port)], env=env, stdout=log, stderr=log
        )
        procs.append(candor)
        (tmp / "public-site.conf").write_text(
            (HERE / "site.conf.in")
            .read_text()
            .replace("@PORT@", str(nginx_port))
            .replace("@SITE@", str(site))
        )
        (tmp / "nginx.conf").write_text(
            (HERE / "nginx.conf.in").read_text().replace("@TMP@", str(tmp))
        )
        nginx = subprocess.Popen(["/usr/sbin/nginx", "-c", tmp / "nginx.conf", "-p", tmp])
        procs.append(nginx)
        servers = {
            "candor": f"http://127.0.0.1:{candor_port}",
            "nginx": f"http://127.0.0.1:{nginx_port}",
        }
        for name, base in servers.items():
            wait_up(base + "/", candor if name == "candor" else nginx)
        sizes = {}
        for encoding, headers in ENCODINGS.items():
            for path in URLS:
                bodies = {
                    name: fetch(base + path, dict(h.split(": ") for h in headers))
                    for name, base in servers.items()
                }
                if bodies["candor"] != bodies["nginx"]:
                    sys.exit(f"{path} ({encoding}): Candor and nginx serve different bytes")
                sizes[(encoding, path)] = len(bodies["candor"])

        results = {}
        for encoding, headers in ENCODINGS.items():
            for path in URLS:
                runs: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
                for base in servers.values():
                    wrk(base + path, headers, "2s")  # warm-up, result discarded
                for _ in range(ROUNDS):
                    for name, base in servers.items():
                        runs[name].append(wrk(base + path, headers))
                for name, got in runs.items():
                    results[(encoding, path, name)] = {
                        k: statistics.median(r[k] for r in got) for k in got[0]
                    }
        # Each page also gets a second host: a server with a data directory of its own (no
        # shared host signal) on the same database. The two pages take turns, 30 writes at a
        # time, so that both see the same machine.
        small = start_host(env, "small-other", log, procs)
        big = start_host(big_env, "big-serve", log, procs)
        big_serve = procs[-1]
        big_other = start_host(big_env, "big-other", log, procs)
        api_small = writes.Api(servers["candor"], api_key(env))
        api_big = writes.Api(big, api_key(big_env))
        for api in (api_small, api_big):
            api.page = fetch_json(api.base + "/api/v2/summary.json")["page"]["id"]
        at_200, at_big = writes.Figures(), writes.Figures()
        for n in range(0, WRITES, CHUNK):
            at_200.extend(writes.run_writes(api_small, CHUNK, other=small, name="Small", start=n))
            at_big.extend(writes.run_writes(api_big, CHUNK, other=big_other, name="Large", start=n))
        ids = incident_ids(big_env, COLD_PAGES)
        web = writes.web_processes(big_serve.pid)
        memory_before = [writes.rss_mb(pid) for pid in web]
        cold = cold_pages(big, ids)
        memory_after = [writes.rss_mb(pid) for pid in web]
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop()
        if drop_big is not None:
            drop_big()

    lines = [
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
        f"database {db_url.split(':')[0]}; wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}, "
        f"median of {ROUNDS} alternating rounds; load average before: {load}",
        f"Render of the whole site after the data was built: {render} s (cold process)",
        "",
        "| URL | encoding | bytes | server | requests/s | p50 ms | p99 ms | non-2xx | "
        "Candor/nginx |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for encoding in ENCODINGS:
        for path in URLS:
            ours = results[(encoding, path, "candor")]
            theirs = results[(encoding, path, "nginx")]
            for name in ("candor", "nginx"):
                r = results[(encoding, path, name)]
                ratio = f"{ours['rps'] / theirs['rps']:.2f}" if name == "candor" else ""
                lines.append(
                    f"| `{path}` | {encoding} | {sizes[(encoding, path)]} | {name} | "
                    f"{r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} | {ratio} |"
                )
    fig = writes.Figures.summary
    lines += [
        "",
        f"Writes through the management API ({WRITES} at each size: create, post an update, "
        "resolve, in turn), on two pages in two databases (200 incidents; the same plus old "
        f"ones, {grown}) taking turns {CHUNK} writes at a time; each with a second "
        "`candor serve` (another data directory, the same database) as the other host:",
        "",
        "| history | write returns | same host: reads not showing it right after | "
        "same host lag | other host: write returned to visible |",
        "|---|---|---|---|---|",
    ]
    for label, f in (("200 incidents", at_200), (f"{BIG_HISTORY} incidents", at_big)):
        late = sum(1 for x in f.same_host_lag if x > 0)
        lines.append(
            f"| {label} | {fig(f.write)} | {late} of {len(f.same_host_lag)} | "
            f"{fig(f.same_host_lag)} | {fig(f.other_host_lag)} |"
        )
    lines += [
        "",
        f"At {BIG_HISTORY} incidents: {len(cold)} incident pages never rendered before, each "
        f"rendered on request: {fig(cold)}. Web process memory (RSS) before and after: "
        + ", ".join(
            f"{a:.0f} → {b:.0f} MB" for a, b in zip(memory_before, memory_after, strict=True)
        )
        + f" (at most {os.environ.get('CANDOR_PUBLIC_CACHED_PAGES', '500')} pages kept each).",
    ]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "public.md").write_text(report + "\n")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
