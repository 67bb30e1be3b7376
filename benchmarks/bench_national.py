"""The national-scale example against its targets (issue 21, item 4): `iadsim simulate
examples/national-scale.yaml --replications 100` within 20 minutes and 4 GB on this machine.

Each run is what a user types: `python -m iadsim.cli simulate SCENARIO --replications N` in a fresh process,
start-up included (import, terrain, World, audit, replications, summary; with `--write`, also the run folder of
`--out`), with the command's own worker processes (`--workers`: by default every CPU, forked after the World is
built, so they share it). A small intermediate process measures the child's wall and CPU time
(`resource.getrusage(RUSAGE_CHILDREN)`) and its memory: every 2 s it sums the PSS of the child and its
workers (a page shared by n processes counts 1/n in each: the memory the run takes from the machine), and the
peak of that sum is the figure judged; the peak sum of RSS (shared pages counted once per process) and the
largest single process's peak RSS are printed beside it. The peer is the reference scenario
`examples/reference-large.yaml` (the engine benchmark's: 22 units, 48 aircraft, 1 hour) run the same way with the
same replications; the ratios say how much bigger the national run is.

When `--replications` is below `--target` (100), e.g. because the full run would take far longer than its
target, the script also runs `--small` replications (2) and fits time and memory linearly in the replications,
then prints the figures EXTRAPOLATED to the target, labelled as such, with PASS/FAIL against the targets. The
batches bound the memory and the workers share them out, so a linear fit is only a rough guide: the verdict
that counts is the one MEASURED at the target.

    .venv/bin/python benchmarks/bench_national.py                       # 100 replications (the target)
    .venv/bin/python benchmarks/bench_national.py --replications 10     # 10 and 2, extrapolated to 100
    .venv/bin/python benchmarks/bench_national.py --replications 2 --no-peer
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "national-scale.yaml"
PEER = ROOT / "examples" / "reference-large.yaml"
TARGET_SECONDS = 20 * 60
TARGET_BYTES = 4 * 10**9
TARGET_REPLICATIONS = 100


def _tree(root: int) -> list[int]:
    """``root`` and every process descended from it (Linux /proc)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parent.items() if ppid in frontier]
        found += frontier
    return found


def _memory(pids: list[int]) -> tuple[int, int]:
    """(sum of PSS, sum of RSS) [bytes] of ``pids`` (/proc/PID/smaps_rollup): PSS counts a page shared by n
    processes (a forked worker's World) as 1/n in each, so its sum is the memory the run takes."""
    pss = rss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                pss += int(line.split()[1]) * 1024
            elif line.startswith("Rss:"):
                rss += int(line.split()[1]) * 1024
    return pss, rss


def _measure(command: list[str]) -> int:
    """Run inside the intermediate process: run ``command``, print its wall time, CPU time and peak memory as
    JSON: the peak of the summed PSS of the command and its worker processes, sampled every 2 s, and the
    largest single process's peak RSS (``getrusage``)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_pss = peak_rss_sum = 0
    while child.poll() is None:
        pss, rss = _memory(_tree(child.pid))
        peak_pss, peak_rss_sum = max(peak_pss, pss), max(peak_rss_sum, rss)
        time.sleep(2.0)  # a scan of /proc costs about 30 ms: every 0.2 s it took 16 % of a CPU from the run
    stderr = child.stderr.read()
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    largest = usage.ru_maxrss * 1024
    print(json.dumps({"returncode": child.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                      "peak_bytes": max(peak_pss, largest), "peak_rss_sum": max(peak_rss_sum, largest),
                      "largest_process": largest, "stderr": stderr[-3000:]}))
    return 0


def run(scenario: Path, replications: int, out: Path | None, workers: int | None = None) -> dict:
    """One `iadsim simulate` in a fresh process: {'wall', 'cpu' [s], 'peak_bytes', ...}."""
    command = [sys.executable, "-m", "iadsim.cli", "simulate", str(scenario), "--replications", str(replications)]
    if workers is not None:
        command += ["--workers", str(workers)]
    if out is not None:
        command += ["--out", str(out)]
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, __file__, "--measure", "--", *command], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the measuring process failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["returncode"] != 0:
        raise SystemExit(f"{' '.join(command)} exited {result['returncode']}:\n{result['stderr']}")
    return result


def _line(label: str, r: dict) -> str:
    return (f"  {label:44s} {r['wall']:9.1f} s wall {r['cpu']:9.1f} s CPU {r['peak_bytes'] / 1e9:7.2f} GB peak "
            f"(sum of PSS; sum of RSS {r['peak_rss_sum'] / 1e9:.2f} GB, largest process "
            f"{r['largest_process'] / 1e9:.2f} GB)")


def _verdict(seconds: float, peak: float, what: str) -> bool:
    ok_t, ok_m = seconds <= TARGET_SECONDS, peak <= TARGET_BYTES
    print(f"  {what}: time {seconds / 60:.1f} min (target <= {TARGET_SECONDS / 60:.0f} min): "
          f"{'PASS' if ok_t else 'FAIL'}; peak memory {peak / 1e9:.2f} GB (target <= {TARGET_BYTES / 1e9:.0f} GB): "
          f"{'PASS' if ok_m else 'FAIL'}")
    return ok_t and ok_m


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--measure", "--"]:
        return _measure(argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=TARGET_REPLICATIONS,
                        help="replications of the measured run (default: the target's 100)")
    parser.add_argument("--target", type=int, default=TARGET_REPLICATIONS,
                        help="replications the targets are stated for (below it: extrapolate)")
    parser.add_argument("--small", type=int, default=2, help="replications of the second run an extrapolation fits")
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--no-peer", action="store_true", help="skip the reference scenario")
    parser.add_argument("--workers", type=int, help="passed to `iadsim simulate` (default: its own, the CPU count)")
    parser.add_argument("--write", action="store_true", help="also write the run folder (--out), as the CI run does")
    args = parser.parse_args(argv)
    sizes = [args.replications]
    if args.replications < args.target and args.small < args.replications:
        sizes = [args.small, args.replications]

    print(f"iadsim simulate, fresh process, start-up included{', with --out' if args.write else ''}; "
          f"{os.cpu_count()} CPUs")
    results: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        for n in sizes:
            for label, scenario in [("national", args.scenario)] + ([] if args.no_peer else [("peer", PEER)]):
                out = Path(tmp) / f"{label}-{n}" if args.write else None
                r = results[label, n] = run(scenario, n, out, args.workers)
                print(_line(f"{scenario.name}, {n} replications", r), flush=True)
    for n in sizes:
        if not args.no_peer:
            nat, peer = results["national", n], results["peer", n]
            print(f"  ratio national / reference at {n} replications: time {nat['wall'] / peer['wall']:.1f}x, "
                  f"peak memory {nat['peak_bytes'] / peer['peak_bytes']:.1f}x")
    n = args.replications
    nat = results["national", n]
    if n >= args.target:
        return 0 if _verdict(nat["wall"], nat["peak_bytes"], f"MEASURED at {n} replications") else 1
    if len(sizes) == 1:
        print(f"  measured at {n} replications only (below the target's {args.target}): no verdict")
        return 0
    small = results["national", sizes[0]]
    per_t = (nat["wall"] - small["wall"]) / (n - sizes[0])
    # the peak may be the World's build rather than the replications': when it did not grow, it is not
    # extrapolated below the larger of the two measured peaks
    per_m = max((nat["peak_bytes"] - small["peak_bytes"]) / (n - sizes[0]), 0.0)
    peak = max(nat["peak_bytes"], small["peak_bytes"])
    t = nat["wall"] + per_t * (args.target - n)
    m = peak + per_m * (args.target - n)
    print(f"  EXTRAPOLATED (linear in replications through the runs at {sizes[0]} and {n}): fixed "
          f"{small['wall'] - per_t * sizes[0]:.0f} s + {per_t:.1f} s per replication; peak "
          f"{peak / 1e9:.2f} GB + {per_m / 1e6:.0f} MB per replication"
          + (" (it did not grow between the two runs)" if per_m == 0 else ""))
    ok = _verdict(t, m, f"EXTRAPOLATED to {args.target} replications (not measured)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
