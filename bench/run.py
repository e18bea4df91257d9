#!/usr/bin/env python3
"""The measuring half of bench/run (which installs and builds first); writes bench/RESULTS.md.

1. In-process: bench_interpreter (Google Benchmark), cached vs re-parse, conversion vs Lua.
2. Start to ready with 30 customizations, and idle RSS.
3. Over HTTPS: wrk against `cell0-webhook serve` and against nginx serving a static answer of the
   same size with the same certificate, interleaved (serve, nginx, serve, ... for each case) so
   both see the same machine load; best of BENCH_ROUNDS; RSS of serve sampled during its runs;
   CPU time and context switches per request from `perf stat` (or /proc when perf is missing).
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (bench/compare.py)

WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
CONNECTIONS = [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "2 16 64").split()]
MIN_TIME = os.environ.get("BENCH_MIN_TIME", "0.5")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
HTTPS_ONLY = os.environ.get("BENCH_HTTPS_ONLY") == "1"  # skip the Google Benchmark part
PERF_SECONDS = int(os.environ.get("BENCH_PERF_SECONDS", "5"))
# bench_interpreter of a previous build (its tree needs this bench/interpreter_bench.cc): measured
# beside this one, alternating, in section 1.
BASE = os.environ.get("BENCH_BASE")
BASE_LABEL = os.environ.get("BENCH_BASE_LABEL", "the previous build")
PERF_CONNECTIONS = 16
# (label, serve path, nginx path, request file under bench/requests or None for GET)
CASES = [
    ("InterpretHealth (CloneSet)", "/interpreter", "/interpreter-health", "interpreter-health-cloneset.json"),
    ("InterpretReplica (Workload)", "/interpreter", "/interpreter-replica", "interpreter-replica.json"),
    ("/mutate (PropagationPolicy)", "/mutate", "/mutate", "mutate-pp.json"),
    ("GET /healthz", "/healthz", "/healthz", None),
]
CUSTOMIZATIONS = 30
READY_STARTS = 5

commands = []  # every measuring command line, for RESULTS.md


def log(msg):
    print(f"bench/run: {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    commands.append(" ".join(shlex.quote(str(c)) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine(root):
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(["git", "-C", root, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "kernel": f"{platform.system()} {platform.release()}",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
    }


# ---------------------------------------------------------------------------------------------
# 1. In-process


def to_ns(value, unit):
    return value * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]


def in_process(build, tmp):
    out = os.path.join(tmp, "bench_interpreter.json")
    run([os.path.join(build, "bench", "bench_interpreter"), f"--benchmark_min_time={MIN_TIME}",
         f"--benchmark_out={out}", "--benchmark_out_format=json"])
    with open(out) as f:
        data = json.load(f)
    times, bigo = {}, {}
    for b in data["benchmarks"]:
        name = b["name"]
        if name.endswith("_BigO"):
            bigo[name[:-5]] = (to_ns(b["cpu_coefficient"], b["time_unit"]), b.get("big_o", ""))
        elif name.endswith("_RMS"):
            bigo[name[:-4] + "_RMS"] = b["rms"]
        elif b.get("run_type", "iteration") == "iteration":
            if b.get("error_occurred"):
                raise SystemExit(f"benchmark {name} failed: {b.get('error_message')}")
            # CPU time of the (single) benchmark thread: on a machine busy with other work the
            # wall time also counts the time the thread waited for a core.
            times[name] = to_ns(b["cpu_time"], b["time_unit"])
    return times, bigo


# ---------------------------------------------------------------------------------------------
# 2. serve: customizations, start to ready, RSS


def generate_customizations(root, dest):
    """30 distinct customizations from the bundled ones: the first copy of each keeps its target
    kind (so the wrk requests find their rules), later copies target <Kind>Bench<i>."""
    bundled = []
    base = os.path.join(root, "interpreters", "customizations")
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d != "testdata")
        if "customizations.yaml" in filenames:
            bundled.append(os.path.join(dirpath, "customizations.yaml"))
    bundled.sort()
    if not bundled:
        raise SystemExit("no bundled customizations found")
    os.makedirs(dest)
    for i in range(CUSTOMIZATIONS):
        with open(bundled[i % len(bundled)]) as f:
            text = f.read()
        text, n = re.subn(r"^(metadata:\n(?:  .*\n)*?  name: )(\S+)$", rf"\g<1>\g<2>-bench-{i}", text, count=1,
                          flags=re.M)
        if n != 1:
            raise SystemExit(f"cannot rename {bundled[i % len(bundled)]}")
        if i >= len(bundled):
            text, n = re.subn(r"^(  target:\n(?:    .*\n)*?    kind: )(\S+)$", rf"\g<1>\g<2>Bench{i}", text,
                              count=1, flags=re.M)
            if n != 1:
                raise SystemExit(f"cannot retarget {bundled[i % len(bundled)]}")
        with open(os.path.join(dest, f"customization-{i:02d}.yaml"), "w") as f:
            f.write(text)
    # OpenKruise's CloneSet rules from Karmada's third-party set, for the InterpretHealth case.
    clone = os.path.join(os.path.dirname(root), "shared", "conformance", "karmada-thirdparty", "apps.kruise.io",
                         "v1alpha1", "CloneSet", "customizations.yaml")
    shutil.copy(clone, os.path.join(dest, "cloneset.yaml"))


def https(port, method, path, body=None, timeout=5):
    ctx = ssl._create_unverified_context()  # loopback only; the certificate is ours
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """CPU time the process's threads have used so far (schedstat: ns on CPU)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


class Serve:
    def __init__(self, binary, state, customizations, port):
        self.cmd = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--state-dir", state,
                    "--customizations", customizations, "--log-level", "warn"]
        self.port = port
        self.proc = None

    def start(self):
        """Starts serve; returns the seconds until /readyz answered 200."""
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = t0 + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"serve exited with {self.proc.returncode}: {self.proc.stderr.read().decode()}")
            try:
                status, _ = https(self.port, "GET", "/readyz", timeout=1)
                if status == 200:
                    elapsed = time.monotonic() - t0
                    self.cpu_to_ready = cpu_seconds(self.proc.pid)
                    return elapsed
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.0005)
        raise SystemExit("serve did not get ready within 30 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# ---------------------------------------------------------------------------------------------
# 3. wrk


def parse_wrk(text):
    def latency(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    reqs = re.search(r"^\s*(\d+) requests in", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:(.*)$", text, re.M)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(reqs.group(1)) if reqs else 0,
        "p50": latency("50"), "p90": latency("90"), "p99": latency("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1).strip() if errors else "",
    }


def wrk(port, path, body_file, connections, root, seconds=None):
    """POSTs body_file, or GETs when it is None."""
    env = dict(os.environ, BENCH_BODY=body_file or "")
    script = ["-s", os.path.join(root, "bench", "post.lua")] if body_file else []
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds or WRK_SECONDS}s", "--latency", "--timeout", "10s", *script,
           f"https://127.0.0.1:{port}{path}"]
    res = run(cmd, env=env)
    if body_file:
        commands[-1] = f"BENCH_BODY={shlex.quote(body_file)} " + commands[-1]
    return parse_wrk(res.stdout)


def nginx_conf(prefix, port, cert, key, answers):
    def quoted(body):
        text = body.decode()
        if any(c in text for c in "'\\$"):
            raise SystemExit("answer body has characters nginx would interpret")
        return "'" + text.replace("\n", "\\n") + "'"

    locations = "\n".join(
        f"    location = {path} {{ default_type {'text/plain' if path == '/healthz' else 'application/json'}; "
        f"return 200 {quoted(body)}; }}"
        for path, body in answers.items())
    temp = os.path.join(prefix, "temp")
    os.makedirs(temp, exist_ok=True)
    return f"""# Generated by bench/run: a static answer per endpoint over TLS.
worker_processes {os.cpu_count()};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_max_body_size 8m;
  client_body_buffer_size 64k;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
{locations}
  }}
}}
"""


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.max_kib, self.stopping = pid, 0, threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                self.max_kib = max(self.max_kib, rss_kib(self.pid))
            except OSError:
                return
            self.stopping.wait(0.1)

    def stop(self):
        self.stopping.set()
        self.join()
        return self.max_kib


def task_counters(pids):
    """(CPU seconds, context switches) of every thread of the processes so far, from /proc."""
    cpu, switches = 0.0, 0
    for pid in pids:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    cpu += int(f.read().split()[0]) / 1e9
                with open(f"/proc/{pid}/task/{task}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                            switches += int(line.split()[1])
            except OSError:
                pass
    return cpu, switches


def cost_per_request(pids, port, path, body_file, root):
    """CPU µs and context switches per request of the server processes during one wrk run at
    PERF_CONNECTIONS: `perf stat -e task-clock,context-switches` on the pids, else /proc deltas."""
    perf = shutil.which("perf")
    out = None
    if perf:
        pcmd = [perf, "stat", "-x,", "-e", "task-clock,context-switches", "-p", ",".join(map(str, pids)),
                "--", "sleep", str(PERF_SECONDS + 0.5)]
        commands.append(" ".join(pcmd) + "   # beside the wrk run below")
        proc = subprocess.Popen(pcmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.2)
        r = wrk(port, path, body_file, PERF_CONNECTIONS, root, PERF_SECONDS)
        _, err = proc.communicate()
        values = {}
        for line in err.splitlines():
            f = line.split(",")
            if len(f) >= 3 and f[0].replace(".", "", 1).isdigit():
                values[f[2]] = float(f[0])
        if "task-clock" in values and "context-switches" in values and r["requests"]:
            out = {"tool": "perf stat", "cpu_us": values["task-clock"] * 1000 / r["requests"],
                   "switches": values["context-switches"] / r["requests"]}
    if out is None:
        cpu0, sw0 = task_counters(pids)
        r = wrk(port, path, body_file, PERF_CONNECTIONS, root, PERF_SECONDS)
        cpu1, sw1 = task_counters(pids)
        out = {"tool": "/proc", "cpu_us": (cpu1 - cpu0) * 1e6 / max(r["requests"], 1),
               "switches": (sw1 - sw0) / max(r["requests"], 1)}
    return out


def nginx_pids(master):
    """The master and its workers."""
    pids = [master]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(pid))
            except (OSError, IndexError, ValueError):
                pass
    return pids


# ---------------------------------------------------------------------------------------------


def fmt_ns(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def fmt_ms(ms):
    return "n/a" if ms is None else f"{ms:.2f} ms"


def arguments():
    """--root (the repository), --build (a Release build folder), --out (the Markdown to write)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    return ap.parse_args()


def main():
    args = arguments()
    root, build = args.root, args.build
    binary = os.path.join(build, "cell0-webhook")
    m = machine(root)
    load_before = load()
    nginx_prefix = os.path.join(build, "bench-nginx")
    tmp = tempfile.mkdtemp(prefix="cell0-bench-")
    serve, nginx = None, None
    try:
        log("in-process benchmarks (Google Benchmark)" + (": skipped (BENCH_HTTPS_ONLY)" if HTTPS_ONLY else ""))
        times, bigo = ({}, {}) if HTTPS_ONLY else in_process(build, tmp)
        previous = None
        if BASE and not HTTPS_ONLY:
            log(f"in-process benchmarks beside {BASE}")
            previous = compare.best_of(BASE, os.path.join(build, "bench", "bench_interpreter"), ROUNDS + 2,
                                       min_time=MIN_TIME)
            commands.append(f"python3 bench/compare.py --base {BASE} --head {build}/bench/bench_interpreter "
                            f"--rounds {ROUNDS + 2} --min-time {MIN_TIME}")

        log(f"start to ready with {CUSTOMIZATIONS} customizations")
        custom = os.path.join(tmp, "customizations")
        generate_customizations(root, custom)
        state = os.path.join(tmp, "state")
        port = free_port()
        serve = Serve(binary, state, custom, port)
        commands.append(" ".join(shlex.quote(c) for c in serve.cmd) + "   # then GET /readyz until 200")
        cold = serve.start()  # generates the serving certificate in the state dir
        serve.stop()
        warm, warm_cpu = [], []
        for _ in range(READY_STARTS):
            warm.append(serve.start())
            warm_cpu.append(serve.cpu_to_ready)
            if len(warm) < READY_STARTS:
                serve.stop()
        time.sleep(1)
        rss_idle = rss_kib(serve.proc.pid)

        requests = os.path.join(root, "bench", "requests")
        answers = {}  # nginx path -> serve's answer
        for label, path, npath, file in CASES:
            if file is None:
                status, answer = https(port, "GET", path)
            else:
                with open(os.path.join(requests, file), "rb") as f:
                    status, answer = https(port, "POST", path, f.read())
            ok = status == 200 and (file is None or b'"allowed":true' in answer or b'"successful":true' in answer)
            if not ok:
                raise SystemExit(f"{label}: {path} answered {status}: {answer[:300]!r}")
            answers[npath] = answer

        shutil.rmtree(nginx_prefix, ignore_errors=True)
        os.makedirs(nginx_prefix)
        nport = free_port()
        conf = os.path.join(nginx_prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(nginx_prefix, nport, os.path.join(state, "tls.crt"), os.path.join(state, "tls.key"),
                               answers))
        ncmd = ["nginx", "-p", nginx_prefix, "-e", os.path.join(nginx_prefix, "error.log"), "-c", conf]
        commands.append(" ".join(ncmd))
        nginx = subprocess.Popen(ncmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):
            try:
                if https(nport, "GET", "/healthz")[0] == 200:
                    break
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
        else:
            raise SystemExit("nginx did not start: " + open(os.path.join(nginx_prefix, "error.log")).read())
        for label, path, npath, file in CASES:
            got = https(nport, "POST" if file else "GET", npath,
                        open(os.path.join(requests, file), "rb").read() if file else None)[1]
            if len(got) != len(answers[npath]):
                raise SystemExit(f"nginx answer for {npath} has {len(got)} bytes, serve's {len(answers[npath])}")

        log(f"wrk, serve and nginx interleaved, best of {ROUNDS}")
        results, costs, loads = {}, {}, []
        sampler = RssSampler(serve.proc.pid)
        sampler.start()
        for label, path, npath, file in CASES:
            body = os.path.join(requests, file) if file else None
            for c in CONNECTIONS:
                for _ in range(ROUNDS):
                    for who, p, pp in (("serve", port, path), ("nginx", nport, npath)):
                        r = wrk(p, pp, body, c, root)
                        best = results.get((who, label, c))
                        if best is None or r["rps"] > best["rps"]:
                            results[(who, label, c)] = r
                    loads.append(load())
            costs[("serve", label)] = cost_per_request([serve.proc.pid], port, path, body, root)
            costs[("nginx", label)] = cost_per_request(nginx_pids(nginx.pid), nport, npath, body, root)
        rss_load = sampler.stop()
        serve_threads = len(os.listdir(f"/proc/{serve.proc.pid}/task"))
    finally:
        if serve:
            serve.stop()
        if nginx and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = load()

    write(args.out, m, load_before, load_after, times, bigo, cold, warm, warm_cpu, rss_idle, rss_load, serve_threads,
          answers, results, costs, loads, previous)
    log(f"wrote {args.out}")


IN_PROCESS_ROWS = [("InterpretHealth (CloneSet)", "InterpretHealth_CloneSet"),
                   ("InterpretReplica (CloneSet, `kube.accuratePodRequirements`)", "InterpretReplica_CloneSet"),
                   ("ReflectStatus (CloneSet)", "ReflectStatus_CloneSet"),
                   ("Retain (Workload)", "Retain_Workload"),
                   ("GetComponents (Workload)", "GetComponents_Workload")]


def in_process_section(times, bigo):
    """Section 1 of RESULTS.md from the in-process benchmark figures."""
    L = []
    add = L.append
    add("## 1. In-process (Google Benchmark, CPU time per call)")
    add("")
    add("Lazy = the engine's default: input objects reach Lua as tables filled one level at a time on")
    add("first use (`lua/lazy_table.h`). Full = `EngineOptions::lazy_inputs = false`, every input")
    add("converted whole before the call (the `_Full` benchmarks, same run). Conversion = the full")
    add("variant's arguments pushed into Lua plus the rule's result encoded back, measured on its own.")
    add("Re-parse = the lazy call with `cache_scripts=false`, which compiles the script text on every")
    add("call as Karmada does. CPU time of the benchmark thread (wall time on a busy machine also counts")
    add("waiting for a core).")
    add("")
    add("| operation | lazy | full | lazy / full | conversion (full) | re-parse mode | re-parse / cached |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    rows = IN_PROCESS_ROWS
    for label, key in rows:
        total = times.get(f"BM_{key}")
        full = times.get(f"BM_{key}_Full")
        conv = times.get(f"BM_Conversion_{key}")
        reparse = times.get(f"BM_{key}_Reparse")
        add(f"| {label} | {fmt_ns(total)} | {fmt_ns(full)} | {total / full:.0%} | {fmt_ns(conv)} | "
            f"{fmt_ns(reparse)} | {reparse / total:.1f}× |")
    add(f"| ReviseReplica (CloneSet) | {fmt_ns(times['BM_ReviseReplica_CloneSet'])} | "
        f"{fmt_ns(times['BM_ReviseReplica_CloneSet_Full'])} | "
        f"{times['BM_ReviseReplica_CloneSet'] / times['BM_ReviseReplica_CloneSet_Full']:.0%} | | | |")
    add("")
    add("AggregateStatus (CloneSet) by number of status items:")
    add("")
    add("| items | lazy | full | lazy / full | conversion (full) | lazy per item | full per item |")
    add("|---:|---:|---:|---:|---:|---:|---:|")
    for n in (1, 10, 100, 1000):
        total = times[f"BM_AggregateStatus_CloneSet/{n}"]
        full = times[f"BM_AggregateStatus_CloneSet_Full/{n}"]
        conv = times[f"BM_Conversion_AggregateStatus_CloneSet/{n}"]
        add(f"| {n} | {fmt_ns(total)} | {fmt_ns(full)} | {total / full:.0%} | {fmt_ns(conv)} | "
            f"{fmt_ns(total / n)} | {fmt_ns(full / n)} |")
    add("")
    for name, variant in (("lazy", "BM_AggregateStatus_CloneSet"), ("full", "BM_AggregateStatus_CloneSet_Full")):
        coef = bigo.get(variant)
        rms = bigo.get(f"{variant}_RMS")
        t100, t1000 = times[f"{variant}/100"], times[f"{variant}/1000"]
        if coef:
            add(f"Google Benchmark's fit, {name}: {fmt_ns(coef[0])} × N ({coef[1]}), RMS {rms:.0%}; per item at 1000 / "
                f"per item at 100 = {t1000 / 10 / t100:.2f}.")
    add("")
    return L


# Benchmarks of rules that never iterate a table they built: the ones held to 10 % of a previous
# build (the `_IterOwn` rules, which do, pay for recording key order and are only reported).
NO_OWN_ITERATION = ["BM_InterpretHealth_CloneSet", "BM_AggregateStatus_CloneSet/1", "BM_AggregateStatus_CloneSet/100",
                    "BM_AggregateStatus_CloneSet/1000"]


def previous_build_section(previous):
    """Section 1, continued: this build beside a previous one (BENCH_BASE), best of alternating runs."""
    L = ["### Beside " + BASE_LABEL, ""]
    L.append(f"`{BASE}` and this build's `bench_interpreter` run in turns, {ROUNDS + 2} rounds each, the")
    L.append("fastest run of each kept (CPU time per call). InterpretHealth, InterpretReplica and")
    L.append("AggregateStatus of the CloneSet never iterate a table they built; `_IterOwn` rules do:")
    L.append("UnitedDeployment collects the latest condition per type in a map, HelmRelease its")
    L.append("dependencies in three sets, and both walk them with `pairs`.")
    L.append("")
    L.extend(compare.table(previous))
    L.append("")
    return L


def previous_build_target(previous):
    """The target row for scripts that do not iterate their own tables, or None without BENCH_BASE."""
    if not previous:
        return None
    ratios = [previous["head"][n] / previous["base"][n] for n in NO_OWN_ITERATION
              if n in previous["head"] and n in previous["base"]]
    worst = max(ratios)
    return (f"InterpretHealth, AggregateStatus 1/100/1000 within 10 % of {BASE_LABEL}",
            f"{worst:.2f}× at most", worst <= 1.10, "recording gopher-lua's order and length")


def write(out, m, load_before, load_after, times, bigo, cold, warm, warm_cpu, rss_idle, rss_load, serve_threads, answers,
          results, costs, loads, previous=None):
    L = []
    add = L.append
    add("# Benchmark results")
    add("")
    add("Written by `bench/run` (Release build in `build-bench/`). Re-run it to refresh this file; figures")
    add("from a machine that is busy with other work are noisy, so the load average is recorded.")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| CPU | {m['cpu']} |")
    add(f"| cores | {m['cores']} |")
    add(f"| kernel | {m['kernel']} |")
    add(f"| date | {m['date']} |")
    add(f"| commit | {m['commit']} |")
    add(f"| load average (1/5/15 min) | before: {load_before}; after: {load_after} |")
    add(f"| wrk run length | {WRK_SECONDS} s, 2 threads, connections {', '.join(map(str, CONNECTIONS))}; "
        f"best of {ROUNDS}, serve and nginx interleaved |")
    add(f"| load average during the wrk runs (1 min, after each round) | {', '.join(l.split()[0] for l in loads)} |")
    add("")

    if times:  # not with BENCH_HTTPS_ONLY
        L.extend(in_process_section(times, bigo))
        if previous:
            L.extend(previous_build_section(previous))

    add("## 2. Over HTTPS (wrk against `serve` and against nginx)")
    add("")
    add("InterpretHealth of OpenKruise's CloneSet (`bench/requests/interpreter-health-cloneset.json`, Karmada's")
    add("third-party rule), InterpretReplica of the example Workload (`bench/requests/interpreter-replica.json`,")
    add("rule with `kube.accuratePodRequirements`), CREATE of a whitelisted PropagationPolicy on `/mutate`")
    add("(`bench/requests/mutate-pp.json`, answered with a JSONPatch), and a bare `GET /healthz` (the server")
    add("layer alone). nginx answers each with serve's answer as a static body (`return 200`), same")
    add(f"certificate, {os.cpu_count()} worker processes, `keepalive_requests 1000000`. serve runs with its")
    add(f"defaults ({serve_threads} threads in the process: the event loops' owners, threads that took a loop over from a slow handler, the supervisor, reloaders). Both")
    add("run at once; each wrk run against serve is followed by the same run against nginx, so both see the")
    add("same load from other work on the machine (see the load averages above).")
    add("")
    add("| case | conns | serve req/s | p50 | p90 | p99 | nginx req/s | p50 | p90 | p99 | serve / nginx |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    problems = []
    for label, path, npath, _ in CASES:
        for c in CONNECTIONS:
            s, n = results[("serve", label, c)], results[("nginx", label, c)]
            ratio = s["rps"] / n["rps"] if n["rps"] else 0
            add(f"| {label} ({len(answers[npath])} B answer) | {c} | {s['rps']:.0f} | {fmt_ms(s['p50'])} | "
                f"{fmt_ms(s['p90'])} | {fmt_ms(s['p99'])} | {n['rps']:.0f} | {fmt_ms(n['p50'])} | "
                f"{fmt_ms(n['p90'])} | {fmt_ms(n['p99'])} | {ratio:.2f} |")
            for who, r in (("serve", s), ("nginx", n)):
                if r["non2xx"] or r["errors"]:
                    problems.append(f"{who} {label} c={c}: {r['non2xx']} non-2xx, socket errors: {r['errors'] or 'none'}")
    add("")
    if problems:
        add("Errors reported by wrk: " + "; ".join(problems) + ".")
        add("")
    tool = costs[("serve", CASES[0][0])]["tool"]
    add(f"Cost per request at {PERF_CONNECTIONS} connections ({tool}: task-clock and context switches of every")
    add(f"thread of the server's processes during a {PERF_SECONDS} s wrk run, divided by its requests):")
    add("")
    add("| case | serve CPU / request | nginx CPU / request | serve switches / request | nginx switches / request |")
    add("|---|---:|---:|---:|---:|")
    for label, _, _, _ in CASES:
        s, n = costs[("serve", label)], costs[("nginx", label)]
        add(f"| {label} | {s['cpu_us']:.1f} µs | {n['cpu_us']:.1f} µs | {s['switches']:.2f} | {n['switches']:.2f} |")
    add("")

    add("## 3. Start to ready, memory")
    add("")
    add(f"`serve` with {CUSTOMIZATIONS} generated customizations (the 5 bundled ones, and copies targeting other")
    add("kinds), from process start to the first `GET /readyz` answering 200 (polled every 0.5 ms).")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| first start (generates the serving certificate) | {cold * 1000:.1f} ms |")
    add(f"| later starts ({len(warm)}; min / median / max) | {min(warm) * 1000:.1f} / "
        f"{statistics.median(warm) * 1000:.1f} / {max(warm) * 1000:.1f} ms |")
    add(f"| CPU time used until ready (all threads; min / median / max) | {min(warm_cpu) * 1000:.1f} / "
        f"{statistics.median(warm_cpu) * 1000:.1f} / {max(warm_cpu) * 1000:.1f} ms |")
    add(f"| RSS idle (VmRSS, 1 s after ready) | {rss_idle / 1024:.1f} MiB |")
    add(f"| RSS under load (max VmRSS during the wrk runs) | {rss_load / 1024:.1f} MiB |")
    add("")

    add("## Commands")
    add("")
    add("```")
    L.extend(commands)
    add("```")
    add("")

    # Targets
    def ratio(label, c):
        n = results[("nginx", label, c)]["rps"]
        return results[("serve", label, c)]["rps"] / n if n else 0
    engine_cases = [label for label, path, _, _ in CASES if path != "/healthz"]
    low = min(ratio(label, c) for label in engine_cases for c in CONNECTIONS)
    low_healthz = min(ratio("GET /healthz", c) for c in CONNECTIONS)
    p99_ratio = max((results[("serve", label, 16)]["p99"] or 0) / (results[("nginx", label, 16)]["p99"] or 1)
                    for label, _, _, _ in CASES) if 16 in CONNECTIONS else 0
    ready = statistics.median(warm) * 1000
    targets = [
        ("/interpreter and /mutate throughput ≥ 0.6× nginx at every connection count",
         f"{low:.2f}× (lowest over {len(engine_cases)} cases × {CONNECTIONS})", low >= 0.6,
         "the engine call and JSON parsing on top of the server layer; see the CPU per request above"),
        ("bare GET /healthz ≥ 0.8× nginx", f"{low_healthz:.2f}× (lowest over {CONNECTIONS})", low_healthz >= 0.8,
         "see the CPU and context switches per request above"),
        ("p99 at 16 connections ≤ 1.5× nginx's p99", f"{p99_ratio:.2f}× (highest over the cases)", p99_ratio <= 1.5,
         "CPU per request (JSON handling around the engine call) and preemption on the shared cores"),
        (f"ready ≤ 100 ms with {CUSTOMIZATIONS} customizations",
         f"{ready:.1f} ms (median; {statistics.median(warm_cpu) * 1000:.1f} ms of CPU)", ready <= 100,
         "loading and compiling the customizations (YAML parsing dominates; see Profile); when the CPU "
         "time is well under the wall time, the rest was waiting for a core on the busy machine"),
        ("RSS ≤ 50 MB under load", f"{rss_load / 1024:.1f} MiB", rss_load * 1024 <= 50e6, ""),
    ]
    if times:
        health = times["BM_InterpretHealth_CloneSet"]
        ratios = {key: times[f"BM_{key}_Reparse"] / times[f"BM_{key}"] for _, key in IN_PROCESS_ROWS}
        agg = times["BM_AggregateStatus_CloneSet/1000"]
        t100, t1000 = times["BM_AggregateStatus_CloneSet/100"], times["BM_AggregateStatus_CloneSet/1000"]
        targets += [
            ("InterpretHealth on a CloneSet ≤ 5 µs incl. conversion", fmt_ns(health), health <= 5000,
             "pushing the object into Lua is most of the call (table and string creation inside "
             "liblua, malloc); see Profile"),
            ("re-parse mode ≥ 20× slower", f"{min(ratios.values()):.1f}×–{max(ratios.values()):.1f}×",
             min(ratios.values()) >= 20,
             "nothing to fix: Lua 5.4 compiles these scripts in a few µs (gopher-lua needs ~109 µs), so "
             "caching saves a few µs per call; the 20× assumed gopher-lua's compiler"),
            ("AggregateStatus linear, 1000 items ≤ 2 ms", f"{agg / 1e6:.2f} ms; t(1000)/t(100) = {t1000 / t100:.1f}",
             agg <= 2e6, "conversion of the 1000 items and the result is over half of it; see Profile"),
        ]
    previous_target = previous_build_target(previous)
    if previous_target:
        targets.append(previous_target)
    profile = os.path.join(os.path.dirname(os.path.abspath(__file__)), "PROFILE.md")
    if times and os.path.exists(profile):  # PROFILE.md profiles the in-process engine and the old server
        with open(profile) as f:
            L.append(f.read().rstrip("\n"))
        add("")
    add("## Targets")
    add("")
    add("| target | measured | | what stands in the way |")
    add("|---|---|---|---|")
    for name, measured, ok, why in targets:
        add(f"| {name} | {measured} | {'met' if ok else '**missed**'} | {'' if ok else why} |")
    add("")
    with open(out, "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
