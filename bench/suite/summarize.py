#!/usr/bin/python3
"""Prints the benchmark suite's active-learning table from the per-data-set directories that
run_suite.sh filled (simulation.json from `labelloop simulate`, sklearn_peer.json from
sklearn_peer.py): for every data set and strategy, labels needed to come within 5 % of the
full-pool score, the share of random's labels, the area under the curve against random and
against the scikit-learn peer, the final score, and retrain / fit times.
Usage: summarize.py SUITE_DIR DATASET...   (markdown on stdout)
"""
import json
import os
import sys


def area(labels, metric):
    if len(labels) == 1:
        return metric[0]
    s = sum(0.5 * (metric[i] + metric[i - 1]) * (labels[i] - labels[i - 1])
            for i in range(1, len(labels)))
    return s / (labels[-1] - labels[0])


def reach(labels, metric, target, higher):
    for x, v in zip(labels, metric):
        if (v >= target) if higher else (v <= target):
            return x
    return None


def better_ratio(ours, theirs, higher):
    """> 1 means ours is better, whatever the metric's direction."""
    return ours / theirs if higher else theirs / ours


def fmt_labels(x, budget):
    return f"{x:g}" if x is not None else f">{budget:g}"


def main():
    suite_dir, names = sys.argv[1], sys.argv[2:]
    rows, verdicts = [], []
    print("| data set (metric) | full pool ours / sklearn | strategy | labels to target | "
          "% of random's | AULC vs random | AULC vs sklearn peer (same strategy / its best) | "
          "final score ours / sklearn | retrain s ours / sklearn fit s |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        d = os.path.join(suite_dir, name)
        sim = json.load(open(os.path.join(d, "simulation.json")))
        peer_path = os.path.join(d, "sklearn_peer.json")
        peer = (json.load(open(peer_path)) if os.path.exists(peer_path) else
                {"strategies": [], "full_pool": {"metric": float("nan")},
                 "mean_fit_seconds": float("nan")})
        higher = sim["higher_is_better"]
        target = sim["full_pool"]["target"]
        peer_by = {s["name"]: s for s in peer["strategies"]}
        peer_areas = {k: area(v["mean"]["labels"], v["mean"]["metric"]) for k, v in peer_by.items()}
        peer_best = ((max if higher else min)(peer_areas.values()) if peer_areas else None)
        random = next((s for s in sim["strategies"] if s["name"] == "random"), None)
        random_labels = random["labels_to_target"] if random else None
        budget = sim["strategies"][0]["mean"]["labels"][-1]
        best = None
        for s in sim["strategies"]:
            m = s["mean"]
            a = area(m["labels"], m["metric"])
            ltt = s["labels_to_target"]
            share = (f"{100 * ltt / random_labels:.0f} %" if ltt is not None and random_labels
                     else ("random not reached" if ltt is not None else "-"))
            same = peer_by.get(s["name"])
            vs_same = (better_ratio(a, peer_areas[s["name"]], higher) if same else None)
            vs_best = better_ratio(a, peer_best, higher) if peer_best else None
            final_peer = same["mean"]["metric"][-1] if same else None
            secs = sim["timing"][s["name"]]["mean_retrain_seconds"]
            print(f"| {name} ({sim['metric']}) | {sim['full_pool']['metric']:.3f} / "
                  f"{peer['full_pool']['metric']:.3f} | {s['name']} | {fmt_labels(ltt, budget)} | "
                  f"{share} | {s['area_ratio_vs_random'] or float('nan'):.3f} | "
                  f"{(f'{vs_same:.3f}' if vs_same else '-')} / {(f'{vs_best:.3f}' if vs_best else '-')} | "
                  f"{m['metric'][-1]:.3f} / {(f'{final_peer:.3f}' if final_peer is not None else '-')} | "
                  f"{secs:.2f} / {peer['mean_fit_seconds']:.2f} |")
            if s["name"] != "random" and (best is None or better_ratio(a, best[1], higher) > 1):
                best = (s, a, ltt, vs_best)
        if best:
            s, a, ltt, vs_best = best
            if ltt is None:
                half = "NOT MET (best strategy never reached the target)"
            elif random_labels is None:
                half = f"met as far as measured (best {ltt:g}; random did not reach it within {budget:g})"
            elif ltt <= 0.5 * random_labels:
                half = f"MET ({ltt:g} vs random {random_labels:g})"
            else:
                half = f"NOT MET ({ltt:g} vs random {random_labels:g} = {100 * ltt / random_labels:.0f} %)"
            if vs_best is None:
                peer_verdict = "sklearn peer not run"
            else:
                peer_verdict = (("beats" if vs_best > 1 else "does NOT beat") +
                                f" the sklearn peer's best curve (AULC ratio {vs_best:.3f}, > 1 = ours better)")
            verdicts.append(f"- {name}: best strategy {s['name']}: <= 50 % of random's labels: {half}; "
                            f"{peer_verdict}")
    print()
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
