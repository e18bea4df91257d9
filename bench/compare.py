#!/usr/bin/env python3
"""Runs the in-process benchmarks of two builds of bench_interpreter in alternation and prints a
Markdown table of the fastest run of each (CPU time per call) with their ratio.

    bench/compare.py --base OLD/bench/bench_interpreter --head NEW/bench/bench_interpreter \
        [--rounds 5] [--filter REGEX] [--min-time 0.3]

Alternating rounds put both builds under the same background load; the minimum over the rounds is
the figure least disturbed by other work on the machine. Both binaries must know the benchmarks
the filter selects (copy bench/interpreter_bench.cc into the older tree before building it).
"""
import argparse
import json
import os
import subprocess
import tempfile

DEFAULT_FILTER = ("BM_(InterpretHealth_CloneSet|InterpretReplica_CloneSet|AggregateStatus_CloneSet/(1|100|1000)"
                  "|AggregateStatus_UnitedDeployment_IterOwn|InterpretDependency_HelmRelease_IterOwn)$")


def run_once(binary, flt, min_time):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        subprocess.run([binary, f"--benchmark_filter={flt}", f"--benchmark_min_time={min_time}",
                        f"--benchmark_out={out}", "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            data = json.load(f)
    finally:
        os.unlink(out)
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    return {b["name"]: b["cpu_time"] * scale[b["time_unit"]] for b in data["benchmarks"]
            if b.get("run_type", "iteration") == "iteration" and "error_occurred" not in b}


def fmt(ns):
    return f"{ns / 1e3:.2f} µs" if ns < 1e6 else f"{ns / 1e6:.2f} ms"


def best_of(base, head, rounds, flt=DEFAULT_FILTER, min_time="0.3"):
    """The fastest CPU time per call of each benchmark over `rounds` alternating runs of each build."""
    best = {"base": {}, "head": {}}
    for _ in range(rounds):
        for side, binary in (("base", base), ("head", head)):
            for name, ns in run_once(binary, flt, min_time).items():
                best[side][name] = min(ns, best[side].get(name, float("inf")))
    return best


def table(best):
    """Markdown rows: benchmark, base, head, head / base."""
    rows = ["| benchmark | base | head | head / base |", "|---|---:|---:|---:|"]
    for name in best["base"]:
        if name in best["head"]:
            b, h = best["base"][name], best["head"][name]
            rows.append(f"| {name.removeprefix('BM_')} | {fmt(b)} | {fmt(h)} | {h / b:.2f} |")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--head", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--filter", default=DEFAULT_FILTER)
    ap.add_argument("--min-time", default="0.3")
    a = ap.parse_args()
    best = best_of(a.base, a.head, a.rounds, a.filter, a.min_time)
    print(f"load average after the runs: {' '.join(open('/proc/loadavg').read().split()[:3])}\n")
    print("\n".join(table(best)))


if __name__ == "__main__":
    main()
