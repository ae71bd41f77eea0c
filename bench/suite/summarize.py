#!/usr/bin/python3
"""Prints the benchmark suite's tables from the simulation directories run_suite.sh filled
(simulation.json from `labelloop simulate`, sklearn_peer.json from sklearn_peer.py):

1. Discovery (simulations with an objective): per hit set and strategy, the share of the pool's
   hits found at 5 / 10 / 20 % of the pool labelled, the ratio over random sampling's
   expectation (the share labelled: what random finds on average over all draws) and over the
   random strategy's own runs (a few seeds of the same draw, noisy when the set has a handful of
   hits), the scikit-learn peer's share with the same strategy and ours / its, and how the
   model's expected-hits-remaining estimate tracked the true number. Then the targets.
2. Model improvement (simulations without an objective): labels needed to come within 5 % of
   the full-pool validation score, as a share of random's, and the area under the learning
   curve against random. Then the target (<= 70 % of random's labels on >= 3 of 5 sets, on the
   scaffold split).

Usage: summarize.py SUITE_DIR [DIR_NAME...]   (all sub-directories with a simulation.json by
default; markdown on stdout)
"""
import json
import os
import sys

FRACTIONS = (0.05, 0.10, 0.20)
DISCOVERY = ("greedy", "ucb", "ei", "pi", "thompson")
TARGETS = {"top_1": 4.0, "top_5": 3.0}  # regression, x random at 10 % of the pool
CLASS_TARGET = 2.0


def interpolate(xs, ys, x, slack):
    if not xs:
        return None
    if x <= xs[0]:
        return ys[0] if xs[0] - x <= slack else None
    if x >= xs[-1]:
        return ys[-1] if x - xs[-1] <= slack else None
    for i in range(1, len(xs)):
        if x <= xs[i]:
            t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
            return ys[i - 1] + t * (ys[i] - ys[i - 1])
    return ys[-1]


def area(labels, metric):
    if len(labels) == 1:
        return metric[0]
    s = sum(0.5 * (metric[i] + metric[i - 1]) * (labels[i] - labels[i - 1])
            for i in range(1, len(labels)))
    return s / (labels[-1] - labels[0])


def f(v, spec=".2f", none="-"):
    return none if v is None else format(v, spec)


def pct(v):
    return "-" if v is None else f"{100 * v:.0f}"


def ceiling(sim, count):
    """The best ratio over random's expectation at 10 % any strategy could reach with this
    schedule: the initial set is random, then every pick a hit until none are left."""
    n = sim["n_pool"]
    init = sim["init"] / n
    labels = 0.10 * n
    best = min(count, init * count + max(0.0, labels - sim["init"]))
    return (best / count) / 0.10


def load(suite_dir, names):
    if not names:
        names = sorted(d for d in os.listdir(suite_dir)
                       if os.path.exists(os.path.join(suite_dir, d, "simulation.json")))
    out = []
    for name in names:
        d = os.path.join(suite_dir, name)
        sim = json.load(open(os.path.join(d, "simulation.json")))
        peer_path = os.path.join(d, "sklearn_peer.json")
        peer = json.load(open(peer_path)) if os.path.exists(peer_path) else None
        out.append((name, sim, peer))
    return out


def data_label(sim):
    return sim["data"].replace(".csv", "") + (f" {sim['target_column']}"
                                               if sim["data"] == "tox21.csv" else "")


def discovery_tables(runs):
    rows, verdicts = [], []
    print("### Discovery: share of the pool's hits found (mean over seeds)\n")
    print("| data set | objective | split | hits in pool | strategy | found at 5 / 10 / 20 % "
          "of the pool labelled | x random's expectation at 10 % | x random's runs at 10 % | "
          "sklearn peer found at 10 % | ours / peer at 10 % | expected-remaining estimate: "
          "MAE / bias / r |")
    print("|---|---|---|---:|---|---|---:|---:|---:|---:|---|")
    for name, sim, peer in runs:
        disc = sim.get("discovery")
        if not disc:
            continue
        n_pool = sim["n_pool"]
        slack = 0.005 * n_pool
        peer_by = {s["name"]: s for s in (peer or {}).get("strategies", [])}
        for hs in disc["hit_sets"]:
            key = hs["name"]
            at10 = {}
            peer10 = {}
            for s in disc["strategies"]:
                enr = s["enrichment"][key]
                found = [e["found_fraction"] for e in enr]
                at10[s["name"]] = enr[1]
                p = peer_by.get(s["name"])
                pf = None
                if p and key in p["mean"].get("found_fraction", {}):
                    pf = interpolate(p["mean"]["labels"], p["mean"]["found_fraction"][key],
                                     0.10 * n_pool, slack)
                peer10[s["name"]] = pf
                ours10 = enr[1]["found_fraction"]
                est = s["estimate"][key]
                print(f"| {data_label(sim)} | {sim['objective']['description']} | {sim['split']} | "
                      f"{hs['count']} ({key}) | {s['name']} | "
                      f"{' / '.join(pct(x) for x in found)} % | {f(enr[1]['vs_expected'])} | "
                      f"{f(enr[1]['vs_random'])} | {pct(pf)}{' %' if pf is not None else ''} | "
                      f"{f(ours10 / pf) if (pf and ours10 is not None) else '-'} | "
                      f"{est['mae']:.1f} / {est['bias']:+.1f} / {f(est['correlation'])} |")
            # the verdict for this hit set
            cands = [(s, at10[s]["found_fraction"]) for s in at10
                     if s in DISCOVERY and at10[s]["found_fraction"] is not None]
            if not cands:
                continue
            best, best_found = max(cands, key=lambda c: c[1])
            vs_exp = at10[best]["vs_expected"]
            vs_run = at10[best]["vs_random"]
            cap = ceiling(sim, hs["count"])
            if key in TARGETS:
                want = TARGETS[key]
            elif sim["task"] == "classification":
                want = CLASS_TARGET
            else:
                want = None  # the window: no numeric target in the issue
            peer_parts = []
            for s in ("greedy", "ucb"):
                if s in at10 and peer10.get(s) is not None and at10[s]["found_fraction"] is not None:
                    ok = at10[s]["found_fraction"] >= peer10[s]
                    peer_parts.append(f"{s} {pct(at10[s]['found_fraction'])} % vs peer "
                                      f"{pct(peer10[s])} % ({'ours >=' if ok else 'ours BELOW'})")
            peer_text = "; ".join(peer_parts) if peer_parts else "peer not run"
            if want is None:
                verdict = "no numeric target (reported)"
            else:
                met = vs_exp is not None and vs_exp >= want
                verdict = (f"{'MET' if met else 'NOT MET'} (>= {want:g}x"
                           + (f"; best possible with this schedule {cap:.2f}x" if cap < want else "")
                           + ")")
            verdicts.append(f"- {data_label(sim)} {sim['objective']['description']}, {sim['split']} "
                            f"split, {key} ({hs['count']} hits): best {best} found "
                            f"{pct(best_found)} % at 10 % of the pool = {f(vs_exp)}x random's "
                            f"expectation ({f(vs_run)}x random's runs): {verdict}; {peer_text}")
    print()
    print("Targets (at 10 % of the pool labelled; x random's expectation):\n")
    print("\n".join(verdicts))
    print()


def compact_discovery_table(runs):
    """One row per campaign, split and hit set: every strategy's share found at 10 % of the
    pool and its ratio over random's expectation, ours and the peer's side by side."""
    names = ["random"] + list(DISCOVERY)
    peer_names = ["random", "greedy", "ucb"]
    print("### Discovery at 10 % of the pool labelled: share of the hits found "
          "(x random's expectation)\n")
    print("| data set | objective | split | hits | " + " | ".join(names) + " | " +
          " | ".join(f"peer {n}" for n in peer_names) + " | best possible |")
    print("|---|---|---|---:|" + "---:|" * (len(names) + len(peer_names) + 1))
    for name, sim, peer in runs:
        disc = sim.get("discovery")
        if not disc:
            continue
        n_pool = sim["n_pool"]
        by = {s["name"]: s for s in disc["strategies"]}
        peer_by = {s["name"]: s for s in (peer or {}).get("strategies", [])}
        for hs in disc["hit_sets"]:
            key = hs["name"]
            cells = []
            for n in names:
                e = by[n]["enrichment"][key][1] if n in by else None
                cells.append("-" if not e or e["found_fraction"] is None else
                             f"{pct(e['found_fraction'])} % ({f(e['vs_expected'], '.1f')}x)")
            for n in peer_names:
                p = peer_by.get(n)
                v = (interpolate(p["mean"]["labels"], p["mean"]["found_fraction"][key],
                                 0.10 * n_pool, 0.005 * n_pool)
                     if p and key in p["mean"].get("found_fraction", {}) else None)
                cells.append("-" if v is None else f"{pct(v)} % ({v / 0.10:.1f}x)")
            cap = ceiling(sim, hs["count"])
            print(f"| {data_label(sim)} | {sim['objective']['description']} | {sim['split']} | "
                  f"{hs['count']} ({key}) | " + " | ".join(cells) + f" | {cap:.1f}x |")
    print()


def compact_model_table(runs):
    """One row per data set and split: labels to the target per strategy (% of random's)."""
    rows = [(name, sim) for name, sim, _ in runs if not sim.get("discovery")]
    if not rows:
        return
    names = []
    for _, sim in rows:
        for s in sim["strategies"]:
            if s["name"] not in names:
                names.append(s["name"])
    print("### Model improvement: labels to come within 5 % of the full-pool score "
          "(% of random's)\n")
    print("| data set (metric) | split | pool | full pool | " + " | ".join(names) + " |")
    print("|---|---|---:|---:|" + "---:|" * len(names))
    for _, sim in rows:
        by = {s["name"]: s for s in sim["strategies"]}
        random_labels = by["random"]["labels_to_target"] if "random" in by else None
        budget = sim["strategies"][0]["mean"]["labels"][-1]
        cells = []
        for n in names:
            if n not in by:
                cells.append("")
                continue
            ltt = by[n]["labels_to_target"]
            if ltt is None:
                cells.append(f">{budget:g}")
            elif random_labels and n != "random":
                cells.append(f"{ltt:g} ({100 * ltt / random_labels:.0f} %)")
            else:
                cells.append(f"{ltt:g}")
        print(f"| {data_label(sim)} ({sim['metric']}) | {sim['split']} | {sim['n_pool']} | "
              f"{sim['full_pool']['metric']:.3f} | " + " | ".join(cells) + " |")
    print()


def model_tables(runs):
    print("### Model improvement: labels to come within 5 % of the full-pool validation score\n")
    print("| data set (metric) | split | full pool ours / sklearn | strategy | labels to target | "
          "% of random's | AULC vs random | final score | retrain s |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    verdicts = []
    met_scaffold = []
    for name, sim, peer in runs:
        if sim.get("discovery"):
            continue
        random = next((s for s in sim["strategies"] if s["name"] == "random"), None)
        random_labels = random["labels_to_target"] if random else None
        budget = sim["strategies"][0]["mean"]["labels"][-1]
        best = None
        peer_full = f"{peer['full_pool']['metric']:.3f}" if peer else "-"
        for s in sim["strategies"]:
            ltt = s["labels_to_target"]
            share = (ltt / random_labels if (ltt is not None and random_labels) else None)
            m = s["mean"]
            print(f"| {data_label(sim)} ({sim['metric']}) | {sim['split']} | "
                  f"{sim['full_pool']['metric']:.3f} / {peer_full} | {s['name']} | "
                  f"{f'{ltt:g}' if ltt is not None else f'>{budget:g}'} | "
                  f"{f'{100 * share:.0f} %' if share is not None else '-'} | "
                  f"{f(s['area_ratio_vs_random'], '.3f')} | {m['metric'][-1]:.3f} | "
                  f"{sim['timing'][s['name']]['mean_retrain_seconds']:.2f} |")
            if s["name"] != "random" and ltt is not None and (best is None or ltt < best[1]):
                best = (s["name"], ltt)
        if best is None:
            text = "NOT MET (no strategy reached the target)"
            ok = False
        elif random_labels is None:
            # random would need more than the budget: the share is below best / budget
            bound = best[1] / budget
            ok = bound <= 0.70
            text = (f"{'MET' if ok else 'NOT SHOWN'} ({best[0]} {best[1]:g}; random did not get "
                    f"there within {budget:g} labels, so {best[0]} needs under "
                    f"{100 * bound:.0f} % of random's)")
        else:
            share = best[1] / random_labels
            ok = share <= 0.70
            text = (f"{'MET' if ok else 'NOT MET'} ({best[0]} {best[1]:g} vs random "
                    f"{random_labels:g} = {100 * share:.1f} %)")
        if sim["split"] == "scaffold":
            met_scaffold.append(ok)
        verdicts.append(f"- {data_label(sim)}, {sim['split']} split: best strategy within 70 % of "
                        f"random's labels: {text}")
    print()
    print("\n".join(verdicts))
    if met_scaffold:
        n = sum(met_scaffold)
        print(f"\nScaffold split: met on {n} of {len(met_scaffold)} sets "
              f"({'target MET' if n >= 3 else 'target NOT MET'}: >= 3 of 5)")
    print()


def main():
    runs = load(sys.argv[1], sys.argv[2:])
    compact_discovery_table(runs)
    discovery_tables(runs)
    compact_model_table(runs)
    model_tables(runs)


if __name__ == "__main__":
    main()
