#!/usr/bin/env python3
"""The measuring half of bench/soak (which installs and builds first); writes bench/SOAK.md.

Two wrk processes load /interpreter and /mutate at the same time for SOAK_SECONDS while, every
SOAK_INTERVAL, one customization file is rewritten, the policy file switches enforcement, and the
serving certificate is rotated the way the kubelet updates a Secret volume (a new version folder,
then the `..data` symlink swapped atomically). Bounds: 0 non-2xx answers, 0 socket errors, RSS
growth from start to end under 10%.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import Serve, arguments, free_port, https, load, machine, parse_wrk, rss_kib  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
INTERVAL = int(os.environ.get("SOAK_INTERVAL", "30"))
CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "8"))
# RSS "at start" is read after this much load: the Lua pool and the allocator arenas first grow to
# the load's concurrency (a Lua state is made when a call finds none free).
WARMUP = min(30, SECONDS // 6)
RSS_GROWTH_LIMIT = 0.10


def log(msg):
    print(f"bench/soak: {msg}", file=sys.stderr, flush=True)


class SecretVolume:
    """tls.crt/tls.key -> ..data/..., ..data -> ..vN: what a mounted Kubernetes Secret looks like."""

    def __init__(self, binary, folder):
        self.binary, self.folder, self.version = binary, folder, 0
        os.makedirs(folder)
        self.rotate()
        for name in ("tls.crt", "tls.key"):
            os.symlink(os.path.join("..data", name), os.path.join(folder, name))

    def rotate(self):
        self.version += 1
        generated = os.path.join(self.folder, f"..gen{self.version}")
        subprocess.run([self.binary, "certs", "generate", "--service", "soak", "--namespace", "soak", "--out",
                        generated], check=True, capture_output=True)
        version = os.path.join(self.folder, f"..v{self.version}")
        os.makedirs(version)
        for name in ("tls.crt", "tls.key"):
            shutil.copy(os.path.join(generated, name), os.path.join(version, name))
        shutil.rmtree(generated)
        tmp_link = os.path.join(self.folder, "..data_tmp")
        os.symlink(os.path.basename(version), tmp_link)
        os.rename(tmp_link, os.path.join(self.folder, "..data"))
        old = os.path.join(self.folder, f"..v{self.version - 1}")
        if os.path.isdir(old):
            shutil.rmtree(old)

    def cert_path(self, name):
        return os.path.join(self.folder, name)


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def metric(text, name, label=""):
    """The sum of the samples of `name` whose labels contain `label`."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name):len(name) + 1] in " {" and label in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def start_wrk(root, port, path, body, duration, out_file):
    env = dict(os.environ, BENCH_BODY=body)
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "--timeout", "10s", "-s",
           os.path.join(root, "bench", "post.lua"), f"https://127.0.0.1:{port}{path}"]
    return cmd, subprocess.Popen(cmd, env=env, stdout=open(out_file, "w"), stderr=subprocess.STDOUT)


def main():
    args = arguments()
    root = args.root
    binary = os.path.join(args.build, "cell0-webhook")
    m = machine(root)
    load_before = load()
    tmp = tempfile.mkdtemp(prefix="cell0-soak-")
    serve, wrks = None, []
    try:
        custom = os.path.join(tmp, "customizations")
        shutil.copytree(os.path.join(root, "interpreters", "customizations"), custom)
        # The customization the /interpreter requests use, so each reload swaps the live rules.
        reloaded = os.path.join("workload.example.io", "v1alpha1", "Workload", "customizations.yaml")
        with open(os.path.join(custom, reloaded)) as f:
            reloaded_text = f.read()
        policy = os.path.join(tmp, "policy.yaml")
        policies = [open(os.path.join(root, "examples", "admission", p)).read()
                    for p in ("policy-warn.yaml", "policy-strip.yaml")]
        write_atomically(policy, policies[0])
        certs = SecretVolume(binary, os.path.join(tmp, "certs"))

        port = free_port()
        serve = Serve(binary, os.path.join(tmp, "state"), custom, port)
        serve.cmd += ["--policy", policy, "--tls-cert", certs.cert_path("tls.crt"), "--tls-key",
                      certs.cert_path("tls.key")]
        serve.start()
        log(f"serve ready on {port}; {SECONDS} s of load, a reload and rotation every {INTERVAL} s")

        bodies = {"/interpreter": os.path.join(root, "bench", "requests", "interpreter-replica.json"),
                  "/mutate": os.path.join(root, "bench", "requests", "mutate-pp.json")}
        commands = [" ".join(serve.cmd)]
        for path, body in bodies.items():
            cmd, proc = start_wrk(root, port, path, body, SECONDS, os.path.join(tmp, f"wrk{path.replace('/', '-')}"))
            commands.append(f"BENCH_BODY={body} " + " ".join(cmd))
            wrks.append((path, proc))

        t0 = time.monotonic()
        time.sleep(WARMUP)
        rss_start = rss_kib(serve.proc.pid)
        rss_samples = [rss_start]
        rss_rounds = []  # just before each reload and rotation
        rounds = 0
        next_round = t0 + INTERVAL
        end_sample = t0 + SECONDS - 3
        while time.monotonic() < end_sample:
            time.sleep(max(0.0, min(next_round, end_sample) - time.monotonic()))
            if time.monotonic() >= next_round and time.monotonic() < end_sample:
                rounds += 1
                rss_rounds.append(rss_kib(serve.proc.pid))
                write_atomically(os.path.join(custom, reloaded), reloaded_text + f"\n# soak reload {rounds}\n")
                write_atomically(policy, policies[rounds % 2])
                certs.rotate()
                next_round += INTERVAL
            rss_samples.append(rss_kib(serve.proc.pid))
        rss_end = rss_kib(serve.proc.pid)
        time.sleep(1)
        status, metrics = https(port, "GET", "/metrics")
        metrics = metrics.decode()
        results = {}
        for path, proc in wrks:
            proc.wait(timeout=SECONDS + 60)
            with open(os.path.join(tmp, f"wrk{path.replace('/', '-')}")) as f:
                results[path] = parse_wrk(f.read())
        wrks = []
    finally:
        for _, proc in wrks:
            proc.kill()
        if serve:
            serve.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    growth = (rss_end - rss_start) / rss_start if rss_start else 0.0
    reloads = metric(metrics, "cell0_customizations_reloads_total")
    reload_failures = metric(metrics, "cell0_customizations_reload_failures_total")
    cert_reloads = metric(metrics, "cell0_webhook_certificate_reloads_total", 'result="ok"')
    bad = sum(r["non2xx"] for r in results.values())
    errors = [f"{p}: {r['errors']}" for p, r in results.items() if r["errors"]]
    broken = []
    if bad:
        broken.append(f"{bad} non-2xx answers")
    if errors:
        broken.append("socket errors (" + "; ".join(errors) + ")")
    if growth >= RSS_GROWTH_LIMIT:
        broken.append(f"RSS grew {growth:.1%}")
    if rounds and cert_reloads < rounds:
        broken.append(f"{rounds} certificate rotations but {cert_reloads:.0f} reloads")
    if rounds and reloads < rounds:
        broken.append(f"{rounds} customization rewrites but {reloads:.0f} reloads")

    lines = [
        "# Soak results",
        "",
        f"Written by `bench/soak` on {m['date']}; commit {m['commit']}.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['kernel']}; load average {load_before} before, "
        f"{load()} after.",
        "",
        f"{SECONDS} s of load, {CONNECTIONS} keep-alive connections per endpoint, both endpoints at once; every "
        f"{INTERVAL} s a customization file rewritten, the policy's enforcement switched and the serving "
        f"certificate rotated through the `..data` symlink ({rounds} rounds).",
        "",
        "| endpoint | requests | req/s | non-2xx | socket errors | p50 | p99 |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for path, r in results.items():
        lines.append(f"| `{path}` | {r['requests']} | {r['rps']:.0f} | {r['non2xx']} | {r['errors'] or 'none'} | "
                     f"{r['p50']:.2f} ms | {r['p99']:.2f} ms |")
    lines += [
        "",
        f"- RSS: {rss_start / 1024:.1f} MiB at start (after {WARMUP} s of load), {rss_end / 1024:.1f} MiB at the "
        f"end, {max(rss_samples) / 1024:.1f} MiB at most; growth {growth:+.1%} (bound < {RSS_GROWTH_LIMIT:.0%}).",
        "- RSS before each round (MiB): " + (", ".join(f"{r / 1024:.1f}" for r in rss_rounds) or "none") + ".",
        f"- Reloads seen in /metrics: customizations {reloads:.0f} (failed {reload_failures:.0f}), serving "
        f"certificate {cert_reloads:.0f}.",
        f"- Verdict: {'PASS' if not broken else 'FAIL: ' + '; '.join(broken)}.",
        "",
        "Commands:",
        "",
        "```",
        *commands,
        "```",
        "",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    log(f"wrote {args.out}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
