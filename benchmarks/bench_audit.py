"""The kill-chain audit at scale: laydowns x1, x2, x4, x8 of the reference scenario (issue 13, item 5).

Each laydown repeats the units and links of ``examples/reference-large.yaml`` (copy 1 keeps the original
ids, copy k suffixes them ``-ck``), except the command posts and early-warning radars (types
``command-post`` and ``ew-radar``): one set of those is shared by every copy, and every copy's links
from/to them point at the shared ones. The copies therefore form ONE connected network (every sensor
reports to the same command post), so splitting it into independent sub-networks alone does not help.
Units of every copy sit where the original's do (positions do not matter for the audit, and the sample
terrain has no data in its corners). Threats and traffic are dropped: the audit ignores them.

In the same run:

* ``new``       - ``iadsim.network.audit(scenario)`` (best of 3 for x1-x4, one run for x8 or when a run
  takes more than 30 s);
* ``reference`` - the previous pure-Python audit kept in ``iadsim.network.reference`` (one networkx
  search of the rules per enumerated component state), at x1 and x2 only (x4 would take minutes), one run.

At x1 and x2 both must agree per fire unit on able, mode and single points of failure, and on readiness
where both are exact (|diff| <= 1e-9); where either samples, the difference and the standard errors are
printed. Any disagreement prints a MISMATCH line and the script exits 1.

Targets (issue 13): audit of x4 at most 5 s, log-log slope of the new audit's time against the number of
units over x1/x2/x4 at most 2.2.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from iadsim.network import audit
from iadsim.network.chain import build_network, evaluate, stated_state
from iadsim.network.reference import SAMPLES, chain_probability, single_points_of_failure
from iadsim.scenario import load_scenario
from iadsim.scenario.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "examples" / "reference-large.yaml"
SHARED_TYPES = ("command-post", "ew-radar")
COPIES = (1, 2, 4, 8)
REFERENCE_COPIES = (1, 2)
TARGET_X4_SECONDS = 5.0
TARGET_SLOPE = 2.2
TOLERANCE = 1e-9
LONG_RUN = 30.0  # seconds: a run this long is timed once, not best of 3


def laydown(data: dict, copies: int) -> dict:
    """The reference repeated `copies` times around one shared command-post and early-warning layer."""
    shared = {u["id"] for u in data["units"] if u["type"] in SHARED_TYPES}
    units, links = [u for u in data["units"] if u["id"] in shared], []
    for k in range(1, copies + 1):
        suffix = "" if k == 1 else f"-c{k}"

        def rename(uid: str, suffix: str = suffix) -> str:
            return uid if uid in shared else uid + suffix

        units += [{**copy.deepcopy(u), "id": rename(u["id"])} for u in data["units"] if u["id"] not in shared]
        for link in data.get("links", []):
            if k > 1 and link["from"] in shared and link["to"] in shared:
                continue  # the early-warning links exist once, between the shared units
            links.append({**copy.deepcopy(link), "from": rename(link["from"]), "to": rename(link["to"])})
    out = {key: copy.deepcopy(value) for key, value in data.items() if key not in ("threats", "traffic")}
    out.update(name=f"{data['name']}-x{copies}", units=units, links=links)
    return out


def reference_audit(scenario) -> list[dict]:
    """Per fire unit, what the previous audit computed, with the reference implementation."""
    net = build_network(scenario)
    up = stated_state(net)
    out = []
    for fu in net.fire_units:
        status = evaluate(net, fu, up)
        readiness, exact = chain_probability(net, fu)
        out.append({
            "id": fu,
            "able": status.able,
            "mode": status.mode,
            "readiness": round(readiness, 6),
            "readiness_exact": exact,
            "single_points_of_failure": single_points_of_failure(net, fu),
        })
    return out


def timed(fn, *args, repeat: int = 1):
    """Best of `repeat` runs; a run longer than LONG_RUN seconds is not repeated (its noise is small)."""
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
        if best > LONG_RUN:
            break
    return out, best


def sampling_se(p: float, n: int = SAMPLES) -> float:
    return math.sqrt(max(p * (1.0 - p), 0.0) / n)


def compare(copies: int, new: dict, ref: list[dict]) -> int:
    """Print the disagreements between the two audits; return the number of mismatches."""
    mismatches = 0
    new_units = {f["id"]: f for f in new["fire_units"]}
    if list(new_units) != [r["id"] for r in ref]:
        print(f"MISMATCH x{copies}: fire units differ: new {list(new_units)} vs reference {[r['id'] for r in ref]}")
        return 1
    sampled = []
    for r in ref:
        n = new_units[r["id"]]
        for key in ("able", "mode", "single_points_of_failure"):
            if n[key] != r[key]:
                mismatches += 1
                print(f"MISMATCH x{copies} {r['id']} {key}: new {n[key]!r} vs reference {r[key]!r}")
        diff = n["readiness"] - r["readiness"]
        if n["readiness_exact"] and r["readiness_exact"]:
            if abs(diff) > TOLERANCE:
                mismatches += 1
                print(f"MISMATCH x{copies} {r['id']} readiness (both exact): new {n['readiness']:.6f} "
                      f"vs reference {r['readiness']:.6f}")
        else:
            sampled.append((r, n, diff))
    exact_both = len(ref) - len(sampled)
    print(f"x{copies}: {len(ref)} fire units compared, readiness exact on both sides for {exact_both}, "
          f"{mismatches} mismatch{'es' if mismatches != 1 else ''}")
    if sampled:
        print(f"  readiness where a side samples ({len(sampled)} fire units):")
        print(f"  {'fire unit':<14}{'new':>10}{'exact':>7}{'se':>10}{'reference':>11}{'exact':>7}{'se':>10}"
              f"{'diff':>11}{'|diff|/se':>10}")
        for r, n, diff in sampled:
            se_new = n.get("readiness_se")
            if se_new is None and not n["readiness_exact"]:
                se_new_text = "n/a"
            else:
                se_new = 0.0 if n["readiness_exact"] else float(se_new)
                se_new_text = f"{se_new:.6f}"
            se_ref = 0.0 if r["readiness_exact"] else sampling_se(r["readiness"])
            combined = math.hypot(se_ref, se_new or 0.0)
            z = f"{abs(diff) / combined:.2f}" if combined > 0 else "-"
            print(f"  {r['id']:<14}{n['readiness']:>10.6f}{str(n['readiness_exact']):>7}{se_new_text:>10}"
                  f"{r['readiness']:>11.6f}{str(r['readiness_exact']):>7}{se_ref:>10.6f}{diff:>+11.6f}{z:>10}")
    return mismatches


def startup(path: Path) -> tuple[float, float] | None:
    """Import time of iadsim.network and the first audit call in a fresh process (numba compile/cache)."""
    code = (
        "import time, json\n"
        "t0 = time.perf_counter()\n"
        "import iadsim.network\n"
        "from iadsim.scenario import load_scenario\n"
        "t1 = time.perf_counter()\n"
        f"scenario = load_scenario({str(path)!r})\n"
        "t2 = time.perf_counter()\n"
        "iadsim.network.audit(scenario)\n"
        "t3 = time.perf_counter()\n"
        "print(json.dumps([t1 - t0, t3 - t2]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(),
                          check=False)
    if proc.returncode != 0:
        print(f"fresh-process start-up failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return None
    imported, first = json.loads(proc.stdout.strip().splitlines()[-1])
    return imported, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-copies", type=int, default=8, help="largest laydown to time (1, 2, 4 or 8)")
    parser.add_argument("--quick", action="store_true", help="x1 and x2 only")
    args = parser.parse_args()
    max_copies = 2 if args.quick else args.max_copies
    plan = [c for c in COPIES if c <= max_copies]
    if not plan:
        parser.error("--max-copies must be at least 1")

    base = load_yaml(REFERENCE).data
    rows, mismatches = [], 0
    with tempfile.TemporaryDirectory(prefix="iadsim-bench-audit-") as tmp:
        paths = {}
        for c in plan:
            paths[c] = Path(tmp) / f"reference-x{c}.yaml"
            paths[c].write_text(yaml.safe_dump(laydown(base, c), sort_keys=False), encoding="utf-8")

        first = startup(paths[1])
        if first is not None:
            print(f"fresh process: import iadsim.network {first[0]:.2f} s, first audit call at x1 {first[1]:.2f} s "
                  "(numba compile or on-disk cache)")
        print()

        for c in plan:
            scenario = load_scenario(paths[c])
            net = build_network(scenario)
            new, t_new = timed(audit, scenario, repeat=3 if c <= 4 else 1)
            t_ref = None
            if c in REFERENCE_COPIES:
                ref, t_ref = timed(reference_audit, scenario)
                mismatches += compare(c, new, ref)
            n_exact = sum(bool(f["readiness_exact"]) for f in new["fire_units"])
            rows.append((c, len(net.kind), len(net.links), len(net.fire_units), t_new, t_ref, n_exact))
            print(f"x{c}: {len(net.kind)} units, new audit {t_new:.3f} s"
                  + (f", reference {t_ref:.3f} s" if t_ref is not None else ""), flush=True)

    print()
    header = (f"{'copies':>6}{'units':>7}{'links':>7}{'fire units':>12}{'new [s]':>11}{'reference [s]':>15}"
              f"{'ref/new':>10}{'exact readiness':>17}")
    print("Kill-chain audit: new = iadsim.network.audit (best of 3 for x1-x4, 1 run for x8 or runs over 30 s); "
          "reference = iadsim.network.reference (1 run)")
    print(header)
    print("-" * len(header))
    for c, n_units, n_links, n_fu, t_new, t_ref, n_exact in rows:
        ref_text = f"{t_ref:>15.3f}" if t_ref is not None else f"{'-':>15}"
        ratio = f"{t_ref / t_new:>9.1f}x" if t_ref is not None and t_new > 0 else f"{'-':>10}"
        print(f"{c:>6}{n_units:>7}{n_links:>7}{n_fu:>12}{t_new:>11.3f}{ref_text}{ratio}{f'{n_exact}/{n_fu}':>17}")
    print("-" * len(header))
    print("exact readiness: fire units whose readiness the new audit enumerated exactly (the others are sampled)")

    fit = [(r[1], r[4]) for r in rows if r[0] in (1, 2, 4)]
    if len(fit) >= 2:
        units, seconds = np.array(fit, dtype=float).T
        slope = float(np.polyfit(np.log(units), np.log(np.maximum(seconds, 1e-9)), 1)[0])
        over = "/".join(f"x{r[0]}" for r in rows if r[0] in (1, 2, 4))
        verdict = "PASS" if slope <= TARGET_SLOPE else "FAIL"
        partial = "" if len(fit) == 3 else " (x4 not run: indicative only)"
        print(f"log-log slope of new time vs units over {over}: {slope:.2f} (target <= {TARGET_SLOPE}): "
              f"{verdict}{partial}")
    else:
        print("log-log slope: needs at least x1 and x2")
    x4 = next((r[4] for r in rows if r[0] == 4), None)
    if x4 is None:
        print(f"x4 audit time (target <= {TARGET_X4_SECONDS:.0f} s): not run")
    else:
        print(f"x4 audit time {x4:.3f} s (target <= {TARGET_X4_SECONDS:.0f} s): "
              f"{'PASS' if x4 <= TARGET_X4_SECONDS else 'FAIL'}")
    if mismatches:
        print(f"MISMATCH: {mismatches} disagreement{'s' if mismatches != 1 else ''} between the new audit and the "
              "reference (see above)")
        return 1
    checked = "/".join(f"x{c}" for c in plan if c in REFERENCE_COPIES)
    print(f"results identical to the reference at {checked} (able, mode, single points of failure, exact readiness)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
