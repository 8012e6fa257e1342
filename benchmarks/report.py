#!/usr/bin/env python3
"""Writes benchmarks/README.md (and the ratio plot) from the results of benchmarks/report.sh.

Standard library only. Reads Google Benchmark JSON files `<name>-t<threads>.json` (aggregates:
the median of the repetitions is used), `peak_memory.jsonl`, and the machine and build
description; evaluates every target of issue 6 as met / missed; draws the plot with gnuplot.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
from pathlib import Path

UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
WIDTHS = [8, 32, 128, 512, 1024]
BATCHES = [1, 32, 256]


# --- reading -------------------------------------------------------------------------------


def load_results(results: Path):
    """{threads: {run_name: {"real": s, "cpu": s, "cv": x, counters...}}} from the medians."""
    runs, contexts = {}, {}
    for path in sorted(results.glob("*-t*.json")):
        match = re.fullmatch(r"(.+)-t(\d+)\.json", path.name)
        threads = int(match.group(2))
        doc = json.loads(path.read_text())
        contexts[(match.group(1), threads)] = doc.get("context", {})
        table = runs.setdefault(threads, {})
        single = {}  # with one repetition Google Benchmark writes no aggregates
        for b in doc["benchmarks"]:
            scale = UNIT_SECONDS[b.get("time_unit", "ns")]
            if b.get("run_type") != "aggregate":
                single[b["run_name"]] = {"real": b["real_time"] * scale,
                                         "cpu": b["cpu_time"] * scale, "repetitions": 1,
                                         **({"ns_per_op": b["ns_per_op"] * 1e9} if "ns_per_op" in b
                                            else {})}
                continue
            entry = table.setdefault(b["run_name"], {})
            if b["aggregate_name"] == "median":
                entry["real"] = b["real_time"] * scale
                entry["cpu"] = b["cpu_time"] * scale
                entry["repetitions"] = b["repetitions"]
                if "ns_per_op" in b:  # a rate inverted: seconds per op
                    entry["ns_per_op"] = b["ns_per_op"] * 1e9
            elif b["aggregate_name"] == "cv":
                entry["cv"] = b["real_time"]
        for name, entry in single.items():
            table.setdefault(name, entry)
    return runs, contexts


def load_memory(results: Path):
    """{implementation: median record} from peak_memory.jsonl."""
    path = results / "peak_memory.jsonl"
    if not path.exists():
        return {}
    records = {}
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            records.setdefault(r["implementation"], []).append(r)
    out = {}
    for name, rs in records.items():
        rs.sort(key=lambda r: r["increment_kib"])
        med = dict(rs[len(rs) // 2])
        med["samples"] = [r["increment_kib"] for r in rs]
        out[name] = med
    return out


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine_description(build: Path, results: Path):
    info = {}
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    info["cpu"] = model.group(1) if model else platform.processor()
    info["cores"] = os.cpu_count()
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.M)
    simd = [f for f in ("avx2", "fma", "avx512f") if flags and f in flags.group(1).split()]
    info["simd"] = ", ".join(simd) or "none of avx2/fma/avx512f"
    hypervisor = flags and "hypervisor" in flags.group(1).split()
    info["virtual"] = "yes (a virtual machine)" if hypervisor else "no"
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"^MemTotal:\s*(\d+)", meminfo, re.M)
    info["memory"] = f"{int(total.group(1)) / 2**20:.1f} GiB" if total else "?"
    info["kernel"] = platform.release()
    info["os"] = run(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]) or platform.platform()
    for name in ("load_before", "load_after"):
        p = results / f"{name}.txt"
        info[name] = " ".join(p.read_text().split()[:3]) if p.exists() else "?"
    loads = results / "loads.txt"
    if loads.exists():
        values = [float(line.split()[1]) for line in loads.read_text().splitlines() if line.strip()]
        info["load_during"] = f"{min(values):.2f}–{max(values):.2f}" if values else "?"
    else:
        info["load_during"] = "?"
    omp = results / "omp_wait_policy.txt"
    info["omp_wait"] = omp.read_text().strip() if omp.exists() else "(libgomp default)"
    started = results / "started.txt"
    info["started"] = started.read_text().strip() if started.exists() else "?"

    cache = {}
    cache_path = build / "CMakeCache.txt"
    if cache_path.exists():
        for line in cache_path.read_text().splitlines():
            m = re.match(r"^([A-Za-z_0-9]+):[A-Z]+=(.*)$", line)
            if m:
                cache[m.group(1)] = m.group(2)
    compiler = cache.get("CMAKE_CXX_COMPILER", "c++")
    info["compiler"] = run([compiler, "--version"]).splitlines()[0] if compiler else "?"
    info["build_type"] = cache.get("CMAKE_BUILD_TYPE", "?")
    info["native"] = cache.get("CHAINRULE_NATIVE", "OFF")
    info["flags"] = compile_flags(build)
    pkgs = {}
    for pkg in ("libopenblas0-pthread", "libtorch1.13", "libtorch-dev", "libbenchmark-dev",
                "libxtensor-dev", "libxsimd-dev"):
        version = run(["dpkg-query", "-W", "-f=${Version}", pkg])
        if version:
            pkgs[pkg] = version
    info["packages"] = pkgs
    repo = str(Path(__file__).resolve().parent.parent)
    info["commit"] = run(["git", "-C", repo, "rev-parse", "--short", "HEAD"]) or "?"
    # Names only (`status --porcelain` begins with a space that run()'s strip would eat).
    dirty = run(["git", "-C", repo, "diff", "--name-only", "HEAD", "--",
                 "autodiff", "benchmarks/common", "benchmarks/torch", "benchmarks/CMakeLists.txt"])
    if dirty:
        info["commit"] += " + uncommitted changes in " + ", ".join(
            sorted({line.split("/")[0] for line in dirty.splitlines()}))
    return info


def compile_flags(build: Path):
    """The flags one benchmark translation unit was compiled with (includes and outputs
    removed), from compile_commands.json."""
    path = build / "compile_commands.json"
    if not path.exists():
        return "?"
    for entry in json.loads(path.read_text()):
        if entry["file"].endswith("benchmarks/bench_scaling.cpp"):
            words = entry.get("command", "").split()
            keep, skip = [], False
            for w in words[1:]:
                if skip:
                    skip = False
                    continue
                if w in ("-o", "-c", "-MF", "-MT", "-isystem", "-I"):
                    skip = True
                    continue
                if w.startswith(("-I", "-isystem", "-MD", "-MF", "-MT", "-o")) or w.endswith(".cpp"):
                    continue
                keep.append(w)
            return " ".join(keep)
    return "?"


# --- formatting ------------------------------------------------------------------------------


def fmt_time(seconds):
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def verdict(ok):
    return "**met**" if ok else "**missed**"


class Results:
    def __init__(self, runs, loads=None, cores=None):
        self.runs = runs
        self.loads = loads or {}  # "<program>-t<threads>" → 1-minute load as it started
        self.cores = cores or os.cpu_count() or 1

    def contended(self, threads, programs):
        """A note when the machine's load as one of `programs` started exceeded its cores:
        other processes then competed for the cores the measurement used."""
        loads = [self.loads[f"{p}-t{threads}"] for p in programs if f"{p}-t{threads}" in self.loads]
        if loads and max(loads) > self.cores:
            return f" (contended: load {max(loads):.1f} on {self.cores} cores)"
        return ""

    def get(self, threads, name, key="real"):
        return self.runs.get(threads, {}).get(name, {}).get(key)

    def cv(self, threads, name):
        return self.get(threads, name, "cv")


def scaling_name(kind, width, batch):
    return f"BM_{kind}/width:{width}/batch:{batch}"


# --- the report ------------------------------------------------------------------------------


def evaluate_core_targets(R, memory, threads_list):
    """[(target, measured, met, contention note)] for the engine-core-v2 targets (issue 12): ratios
    of CPU-time medians taken in one run, 1 thread."""
    t = 1 if 1 in threads_list else threads_list[0]
    targets = []

    def cpu_ratio_row(target, limit, a, b, programs):
        r = ratio(R.get(t, a, "cpu"), R.get(t, b, "cpu"))
        measured = (f"{fmt_ratio(r)} ({fmt_time(R.get(t, a, 'cpu'))} vs "
                    f"{fmt_time(R.get(t, b, 'cpu'))} CPU)")
        targets.append((target, measured, r is not None and r <= limit,
                        R.contended(t, programs)))

    cpu_ratio_row("Assignment-network gradient ÷ fused manual ≤ 1.10×", 1.10,
                  "BM_Assignment_Autodiff", "BM_Assignment_ManualFused", ["assignment"])
    cpu_ratio_row("10 000-step training ÷ fused manual ≤ 1.10×", 1.10,
                  "BM_Training_Autodiff/steps:10000", "BM_Training_ManualFused/steps:10000",
                  ["training"])
    cpu_ratio_row("Width 1024, batch 256, fwd+bwd ÷ fused manual ≤ 1.05×", 1.05,
                  scaling_name("Scaling_Autodiff", 1024, 256),
                  scaling_name("Scaling_ManualFused", 1024, 256), ["scaling"])
    cpu_ratio_row("Width 1024, batch 256, fwd+bwd ÷ LibTorch ≤ 1.0×", 1.0,
                  scaling_name("Scaling_Autodiff", 1024, 256),
                  scaling_name("Scaling_Torch", 1024, 256), ["scaling", "torch"])
    for ops, limit in ((1000, 50), (100000, 80)):
        v = R.get(t, f"BM_OpOverhead_Autodiff/ops:{ops}/elements:1", "ns_per_op")
        targets.append((f"Record + backward + clear, 1-element ops, {ops}-op chain ≤ {limit} ns/op",
                        f"{v:.0f} ns/op" if v else "–", v is not None and v <= limit,
                        R.contended(t, ["overhead"])))
    c, m, p = (memory.get(k) for k in ("chainrule autodiff", "manual, fused", "LibTorch autograd"))
    if c and m:
        mib = lambda r: r["increment_kib"] / 1024
        ok = mib(c) <= 1.25 * mib(m) and (p is None or mib(c) < mib(p))
        torch = f", LibTorch {mib(p):.1f} MiB" if p else ""
        targets.append(("Peak network memory, width 1024, batch 256: ≤ 1.25× fused manual and below "
                        "LibTorch", f"{mib(c):.1f} MiB = {mib(c) / mib(m):.2f}× manual "
                        f"({mib(m):.1f} MiB){torch}", ok, ""))
    return targets


def evaluate_targets(R, memory, threads_list):
    """[(target, measured, met, contention note)] for issue 6's targets. Verdicts use wall-time medians; at 1
    thread the CPU-time ratio is shown beside them (less disturbed by other processes on a
    shared machine)."""
    t1 = 1 if 1 in threads_list else threads_list[0]
    targets = []

    def cpu_note(t, a, b):
        if t != 1:
            return ""
        r = ratio(R.get(t, a, "cpu"), R.get(t, b, "cpu"))
        return f" [CPU {fmt_ratio(r)}]" if r else ""

    a_auto = R.get(t1, "BM_Assignment_Autodiff")
    a_fused = R.get(t1, "BM_Assignment_ManualFused")
    a_note = R.get(t1, "BM_Assignment_ManualNotebook")
    r = ratio(a_auto, a_fused)
    targets.append(("Assignment network: autodiff ≤ 1.25× fused manual",
                    f"{fmt_ratio(r)}{cpu_note(t1, 'BM_Assignment_Autodiff', 'BM_Assignment_ManualFused')}"
                    f" ({fmt_time(a_auto)} vs {fmt_time(a_fused)}, {t1} thread)",
                    r is not None and r <= 1.25, R.contended(t1, ["assignment"])))
    r = ratio(a_note, a_auto)
    targets.append(("Assignment network: autodiff ≥ 3× faster than assignment-style manual",
                    f"{fmt_ratio(r)} faster ({fmt_time(a_note)} vs {fmt_time(a_auto)})",
                    r is not None and r >= 3, R.contended(t1, ["assignment"])))
    for t in threads_list:
        thr = f"{t} thread{'s' if t > 1 else ''}"
        r = ratio(R.get(t, "BM_Assignment_Torch"), R.get(t, "BM_Assignment_Autodiff"))
        targets.append((f"Assignment network: autodiff ≥ 10× faster than LibTorch ({thr})",
                        f"{fmt_ratio(r)} faster ({fmt_time(R.get(t, 'BM_Assignment_Torch'))} vs "
                        f"{fmt_time(R.get(t, 'BM_Assignment_Autodiff'))})",
                        r is not None and r >= 10, R.contended(t, ["assignment", "torch"])))

    for t in threads_list:
        thr = f"{t} thread{'s' if t > 1 else ''}"
        parts, ok = [], True
        for w in (512, 1024):
            a, m = scaling_name("Scaling_Autodiff", w, 256), scaling_name("Scaling_ManualFused", w, 256)
            r = ratio(R.get(t, a), R.get(t, m))
            parts.append(f"{fmt_ratio(r)}{cpu_note(t, a, m)} (width {w})")
            ok = ok and r is not None and r <= 1.10
        targets.append((f"Width ≥ 512, batch 256: autodiff ≤ 1.10× fused manual ({thr})",
                        ", ".join(parts), ok, R.contended(t, ["scaling"])))

    for t in threads_list:
        thr = f"{t} thread{'s' if t > 1 else ''}"
        parts, ok = [], True
        for w in (512, 1024):
            a, p = scaling_name("Scaling_Autodiff", w, 256), scaling_name("Scaling_Torch", w, 256)
            r = ratio(R.get(t, a), R.get(t, p))
            parts.append(f"{fmt_ratio(r)}{cpu_note(t, a, p)} (width {w})")
            ok = ok and r is not None and r <= 1.0
        targets.append((f"Width ≥ 512, batch 256: chainrule no slower than LibTorch "
                        f"(chainrule / LibTorch ≤ 1, both at {thr})", ", ".join(parts), ok,
                        R.contended(t, ["scaling", "torch"])))

    r = ratio(R.get(t1, "BM_Training_Autodiff/steps:10000"),
              R.get(t1, "BM_Training_ManualFused/steps:10000"))
    note = cpu_note(t1, "BM_Training_Autodiff/steps:10000", "BM_Training_ManualFused/steps:10000")
    targets.append(("10 000-step training: autodiff ≤ 1.25× fused manual",
                    f"{fmt_ratio(r)}{note} ({fmt_time(R.get(t1, 'BM_Training_Autodiff/steps:10000'))} vs "
                    f"{fmt_time(R.get(t1, 'BM_Training_ManualFused/steps:10000'))})",
                    r is not None and r <= 1.25, R.contended(t1, ["training"])))

    parts, ok = [], True
    for w in (512, 1024):
        for b in BATCHES:
            r = ratio(R.get(t1, scaling_name("Scaling_Autodiff", w, b)),
                      R.get(t1, scaling_name("ScalingForward_Autodiff", w, b)))
            parts.append(f"{r:.2f} (w {w}, b {b})" if r else "–")
            ok = ok and r is not None and r <= 3
    targets.append(("(forward + backward) / forward ≤ 3 at width ≥ 512 (autodiff)",
                    ", ".join(parts), ok, R.contended(t1, ["scaling"])))

    parts, ok = [], True
    for ops in (1000, 100000):
        v = R.get(t1, f"BM_OpOverhead_Autodiff/ops:{ops}/elements:1", "ns_per_op")
        parts.append(f"{v:.0f} ns ({ops} ops)" if v else "–")
        ok = ok and v is not None and v <= 100
    targets.append(("Per-op overhead ≤ 100 ns on 1-element tensors", ", ".join(parts), ok,
                    R.contended(t1, ["overhead"])))

    c = memory.get("chainrule autodiff")
    t = memory.get("LibTorch autograd")
    if c and t:
        targets.append(("Peak memory (width 1024, batch 256) no more than LibTorch's",
                        f"network's own memory {c['increment_kib'] / 1024:.1f} MiB vs "
                        f"{t['increment_kib'] / 1024:.1f} MiB "
                        f"(whole process {c['peak_rss_kib'] / 1024:.0f} MiB vs "
                        f"{t['peak_rss_kib'] / 1024:.0f} MiB)",
                        c["increment_kib"] <= t["increment_kib"], ""))
    return targets


def section_assignment(R, threads_list):
    lines = ["## 1. The assignment network (1 → 6 → 7 → 2, batch 100)", "",
             "One gradient of the cost (all six Jacobians); *forward* is the forward pass alone "
             "(for autodiff and LibTorch: recorded, as in a training step).", ""]
    impls = [("manual, assignment style (notebook)", "ManualNotebook"),
             ("manual, fused (tuned)", "ManualFused"),
             ("chainrule autodiff", "Autodiff"),
             ("LibTorch autograd", "Torch")]
    for t in threads_list:
        auto = R.get(t, "BM_Assignment_Autodiff")
        lines += [f"**{t} thread{'s' if t > 1 else ''}**", "",
                  "| implementation | gradient | forward | (fwd+bwd)/fwd | time / autodiff | cv |",
                  "|---|---:|---:|---:|---:|---:|"]
        for label, key in impls:
            g = R.get(t, f"BM_Assignment_{key}")
            f = R.get(t, f"BM_AssignmentForward_{key}")
            cv = R.cv(t, f"BM_Assignment_{key}")
            lines.append(f"| {label} | {fmt_time(g)} | {fmt_time(f)} | "
                         f"{fmt_ratio(ratio(g, f))} | {fmt_ratio(ratio(g, auto))} | "
                         f"{'–' if cv is None else f'{cv:.1%}'} |")
        lines.append("")
    return lines


def section_heights(R, threads_list):
    lines = ["## 2. The heights fit: ∇χ² in (μ, σ), 100 bins", ""]
    t = 1 if 1 in threads_list else threads_list[0]
    auto = R.get(t, "BM_Heights_Autodiff")
    lines += ["| implementation | gradient | time / autodiff |", "|---|---:|---:|"]
    for label, key in (("manual, assignment style (notebook: f, dfdmu, dfdsig)", "ManualNotebook"),
                       ("manual, fused (one loop)", "ManualFused"),
                       ("chainrule autodiff", "Autodiff")):
        g = R.get(t, f"BM_Heights_{key}")
        lines.append(f"| {label} | {fmt_time(g)} | {fmt_ratio(ratio(g, auto))} |")
    lines += ["", f"({t} thread; no BLAS-sized work here.)", ""]
    return lines


def section_scaling(R, threads_list):
    lines = ["## 3. Scaling: 64 → width → width → 10 sigmoid MLP", "",
             "One gradient; *f+b/f* is (forward + backward) / forward. A fixed 64 inputs, "
             "two hidden layers of `width`, 10 outputs.", ""]
    for t in threads_list:
        lines += [f"**{t} thread{'s' if t > 1 else ''}** (OpenBLAS and LibTorch alike)", "",
                  "| width | batch | manual, fused | chainrule | LibTorch | chainrule / manual | "
                  "chainrule / LibTorch | f+b/f chainrule | f+b/f manual | f+b/f LibTorch |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for b in BATCHES:
            for w in WIDTHS:
                m = R.get(t, scaling_name("Scaling_ManualFused", w, b))
                a = R.get(t, scaling_name("Scaling_Autodiff", w, b))
                p = R.get(t, scaling_name("Scaling_Torch", w, b))
                fa = R.get(t, scaling_name("ScalingForward_Autodiff", w, b))
                fm = R.get(t, scaling_name("ScalingForward_ManualFused", w, b))
                fp = R.get(t, scaling_name("ScalingForward_Torch", w, b))
                lines.append(
                    f"| {w} | {b} | {fmt_time(m)} | {fmt_time(a)} | {fmt_time(p)} | "
                    f"{fmt_ratio(ratio(a, m))} | {fmt_ratio(ratio(a, p))} | "
                    f"{fmt_ratio(ratio(a, fa))} | {fmt_ratio(ratio(m, fm))} | "
                    f"{fmt_ratio(ratio(p, fp))} |")
        lines.append("")
    lines += ["![autodiff / manual and chainrule / LibTorch against width](ratios.png)", ""]
    return lines


def section_overhead(R, threads_list):
    t = 1 if 1 in threads_list else threads_list[0]
    lines = ["## 4. Per-operation overhead", "",
             "A chain of elementwise operations (`v = v * 0.999 + 0.001`, two ops a step) on a "
             "tiny tensor: record + backward + clear, per recorded operation.", "",
             "| ops in the chain | elements | chainrule | LibTorch | LibTorch / chainrule |",
             "|---:|---:|---:|---:|---:|"]
    for ops in (1000, 100000):
        for el in (1, 16):
            c = R.get(t, f"BM_OpOverhead_Autodiff/ops:{ops}/elements:{el}", "ns_per_op")
            p = R.get(t, f"BM_OpOverhead_Torch/ops:{ops}/elements:{el}", "ns_per_op")
            lines.append(f"| {ops} | {el} | {'–' if c is None else f'{c:.0f} ns'} | "
                         f"{'–' if p is None else f'{p:.0f} ns'} | {fmt_ratio(ratio(p, c))} |")
    lines += ["", f"({t} thread.)", ""]
    return lines


def section_training(R, threads_list):
    lines = ["## 7. The whole training: 10 000 steps of assignment 1 (noise 0, aggression 3.5)", "",
             "Wall time of one whole run from the course's initial weights; every run's final cost "
             "is checked against the reference (1e-3 relative: the run passes a chaotic spike "
             "near step 2850).", "",
             "| threads | manual, fused | chainrule autodiff | LibTorch | chainrule / manual | "
             "LibTorch / chainrule |", "|---:|---:|---:|---:|---:|---:|"]
    for t in threads_list:
        m = R.get(t, "BM_Training_ManualFused/steps:10000")
        a = R.get(t, "BM_Training_Autodiff/steps:10000")
        p = R.get(t, "BM_Training_Torch/steps:10000")
        lines.append(f"| {t} | {fmt_time(m)} | {fmt_time(a)} | {fmt_time(p)} | "
                     f"{fmt_ratio(ratio(a, m))} | {fmt_ratio(ratio(p, a))} |")
    lines.append("")
    return lines


def section_memory(memory):
    lines = ["## 6. Peak memory: one gradient at width 1024, batch 256", ""]
    if not memory:
        return lines + ["(not measured)", ""]
    lines += [
        "Method: one process per implementation (`peak_memory`, `peak_memory_torch`), 1 thread. "
        "Each generates the data, runs one small warm-up gradient (so that OpenBLAS and the "
        "runtime are initialised), reads its resident set (`VmRSS` in `/proc/self/status`) as "
        "the baseline and resets the kernel's peak (`VmHWM`) to it by writing `5` to "
        "`/proc/self/clear_refs`, then builds the network and runs three gradients. "
        "*Network memory* = peak − baseline: parameters, gradients, activations, the "
        "tape/graph and whatever the allocator keeps. *Process peak* is the whole `VmHWM` "
        "(libraries included). Median of three runs.", "",
        "| implementation | network memory (MiB) | process peak (MiB) | baseline (MiB) | runs (MiB) |",
        "|---|---:|---:|---:|---|"]
    for name in ("manual, fused", "chainrule autodiff", "LibTorch autograd"):
        r = memory.get(name)
        if not r:
            continue
        runs = ", ".join(f"{s / 1024:.1f}" for s in r["samples"])
        lines.append(f"| {name} | {r['increment_kib'] / 1024:.1f} | {r['peak_rss_kib'] / 1024:.1f} | "
                     f"{r['baseline_rss_kib'] / 1024:.1f} | {runs} |")
    c = memory.get("chainrule autodiff")
    if c and c.get("tape_bytes"):
        lines += ["", f"chainrule's tape holds {c['tape_bytes'] / 2**20:.1f} MiB of node values and "
                  "adjoints (`Tape::bytes()`), kept for reuse after `clear()`."]
    lines.append("")
    return lines


def write_plot(R, threads_list, results: Path, png: Path):
    """autodiff/manual and chainrule/LibTorch against width, one line per batch and thread
    count, drawn with gnuplot (skipped with a note when gnuplot is absent)."""
    data = results / "ratios.dat"
    with data.open("w") as f:
        f.write("# width " + " ".join(f"am_b{b}_t{t} al_b{b}_t{t}" for t in threads_list
                                       for b in BATCHES) + "\n")
        for w in WIDTHS:
            cols = [str(w)]
            for t in threads_list:
                for b in BATCHES:
                    a = R.get(t, scaling_name("Scaling_Autodiff", w, b))
                    m = R.get(t, scaling_name("Scaling_ManualFused", w, b))
                    p = R.get(t, scaling_name("Scaling_Torch", w, b))
                    cols += [f"{ratio(a, m):.4f}" if ratio(a, m) else "NaN",
                             f"{ratio(a, p):.4f}" if ratio(a, p) else "NaN"]
            f.write(" ".join(cols) + "\n")
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return "gnuplot not found: the plot was not drawn (scripts/install-deps.sh --bench)."
    colours = {1: "#1b9e77", 32: "#d95f02", 256: "#7570b3"}
    plots = {"am": [], "al": []}
    col = 2
    for t in threads_list:
        dash = 1 if t == threads_list[0] else 2
        for b in BATCHES:
            for key in ("am", "al"):
                plots[key].append(
                    f"'{data}' using 1:{col} with linespoints lw 2 pt 7 dt {dash} "
                    f"lc rgb '{colours[b]}' title 'batch {b}, {t} thread{'s' if t > 1 else ''}'")
                col += 1
    script = f"""
set terminal pngcairo size 1400,640 font 'DejaVu Sans,11'
set output '{png}'
set multiplot layout 1,2
set logscale x 2
set xtics (8, 32, 128, 512, 1024)
set xlabel 'hidden width'
set grid
set key below maxrows 3
set title 'chainrule autodiff / manual, fused (lower is better)'
set ylabel 'time ratio'
set yrange [0.5:*]
plot 1 with lines lc rgb 'black' dt 3 notitle, 1.1 with lines lc rgb 'red' dt 3 title 'target 1.10', \\
  {', '.join(plots['am'])}
set title 'chainrule autodiff / LibTorch autograd (below 1: chainrule faster)'
set logscale y
set yrange [*:*]
plot 1 with lines lc rgb 'black' dt 3 title 'parity', {', '.join(plots['al'])}
unset multiplot
"""
    proc = subprocess.run([gnuplot], input=script, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return f"gnuplot failed: {proc.stderr.strip()}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plot", type=Path, required=True)
    parser.add_argument("--repetitions", default="?")
    parser.add_argument("--min-time", default="?")
    parser.add_argument("--threads", default="1 2")
    args = parser.parse_args()

    runs, contexts = load_results(args.results)
    threads_list = sorted(int(t) for t in args.threads.split())
    loads = {}
    if (args.results / "loads.txt").exists():
        for line in (args.results / "loads.txt").read_text().splitlines():
            if line.strip():
                name, value = line.split()
                loads[name] = float(value)
    R = Results(runs, loads)
    memory = load_memory(args.results)
    info = machine_description(args.build, args.results)
    targets = evaluate_targets(R, memory, threads_list)
    core_targets = evaluate_core_targets(R, memory, threads_list)
    plot_note = write_plot(R, threads_list, args.results, args.plot)
    blas = sorted({c.get("openblas_threads", "?") for c in contexts.values()} - {"0"})
    analysis = Path(__file__).resolve().parent / "ANALYSIS.md"

    out = [
        "# chainrule benchmarks",
        "",
        "Written by `benchmarks/report.sh` (through `benchmarks/report.py`) from the run below; "
        "do not edit by hand. Raw Google Benchmark JSON: `benchmarks/results/`. Times are "
        f"**medians of {args.repetitions} repetitions** (minimum {args.min_time} s each, "
        "repetitions randomly interleaved), wall-clock time.",
        "",
        "## Machine and build",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores visible ({info['simd']}); virtual: "
        f"{info['virtual']}; memory {info['memory']}",
        f"- OS: {info['os']}, kernel {info['kernel']}",
        f"- Load average (1, 5, 15 min) before: {info['load_before']}; after: {info['load_after']}; "
        f"1-minute load as each program started: {info['load_during']} (the machine is shared "
        "and has 2 cores: other people's builds add noise; the CPU-time ratios in brackets are "
        "less affected than wall time)",
        f"- Run started {info['started']}, source: commit {info['commit']}",
        f"- Threads compared: {', '.join(map(str, threads_list))}; OpenBLAS threads reported by "
        f"the programs that use BLAS: {', '.join(blas)} (`OPENBLAS_NUM_THREADS`, `openblas_set_num_threads`; "
        "LibTorch: `torch::set_num_threads`, 1 inter-op thread, "
        f"`OMP_WAIT_POLICY={info['omp_wait']}`: with libgomp's default active policy its idle "
        "OpenMP workers spin on the cores its OpenBLAS GEMMs need and it runs 4–5× slower at 2 "
        "threads than at 1)",
        f"- Compiler: {info['compiler']}; build type {info['build_type']}; "
        f"CHAINRULE_NATIVE={info['native']}",
        f"- Flags (a benchmark translation unit): `{info['flags']}`",
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()),
        "- Google Benchmark warns \"Library was built as DEBUG\": that is Debian's build of the "
        "benchmark library itself (its timing loop), not of the code measured.",
        "",
        "## Targets of the engine core v2 (issue 12: CPU-time medians, 1 thread)",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    out += [f"| {name} | {measured} | {verdict(ok)}{note} |" for name, measured, ok, note in core_targets]
    out += ["", "## Earlier targets (issue 6: wall-time medians)", "",
            "| target | measured | |", "|---|---|---|"]
    out += [f"| {name} | {measured} | {verdict(ok)}{note} |" for name, measured, ok, note in targets]
    out.append("")
    out += section_assignment(R, threads_list)
    out += section_heights(R, threads_list)
    out += section_scaling(R, threads_list)
    if plot_note:
        out += [f"({plot_note})", ""]
    out += section_overhead(R, threads_list)
    out += section_memory(memory)
    out += section_training(R, threads_list)
    if analysis.exists():
        out += ["## Closing note: why targets are missed and what would fix them", ""]
        out += analysis.read_text().strip().splitlines()
        out.append("")
    out += ["## Reproduce", "",
            "```sh",
            "scripts/install-deps.sh --bench   # LibTorch and gnuplot, once",
            "uptime                            # run when the machine is quiet",
            f"benchmarks/report.sh --repetitions {args.repetitions} --min-time {args.min_time}",
            "```", ""]
    args.out.write_text("\n".join(out))
    print(f"report.py: wrote {args.out}" + (f" and {args.plot}" if not plot_note else ""))


if __name__ == "__main__":
    main()
