#!/usr/bin/env python3
"""Merges a phrase_eval output (one JSON line per case) with a reader's judgements and scores the
rubric of docs/perf/agent.md ("Phrasing").

    python3 agent/data/phrasing_eval/score.py RAW.jsonl JUDGED.json OUT.jsonl

JUDGED.json maps a case id to {"text": [grammatical, natural, "note"], "said": [...]} for the model's
own text and for what the agent says (the model's text if it passed the check, else the template):
0/1 by reading. The automatic criteria (<= 25 words, names the place, distance, detour, no invented
facts) come from the raw file (`language::auto_scores` in Rust), scored on the model's text; the
"said" text passed the check (or is the template, which the unit tests check) so its automatic
criteria are re-read from the check verdict.
"""
import json
import sys

AUTO = ["le_25_words", "names_place", "distance", "detour", "no_invented_facts"]
READ = ["grammatical", "natural"]


def main() -> int:
    raw_path, judged_path, out_path = sys.argv[1:4]
    judged = json.load(open(judged_path))
    rows = [json.loads(l) for l in open(raw_path) if l.strip() and '"case"' in l]
    totals = {k: 0 for k in READ + AUTO + ["all_7", "said_all_7"]}
    with open(out_path, "w") as out:
        for r in rows:
            j = judged[r["case"]]
            g, n, note = j["text"]
            scores = {"grammatical": g, "natural": n, **{k: r["auto"][k] for k in AUTO}}
            all7 = int(all(scores.values()))
            sg, sn, snote = j.get("said", j["text"])
            # what is said passed the check (or is the template, checked by the unit tests): the
            # automatic criteria hold for it; only reading decides
            said_all7 = int(sg == 1 and sn == 1)
            r["rubric"] = {**scores, "all_7": all7, "note": note}
            r["rubric_said"] = {"grammatical": sg, "natural": sn, "all_7": said_all7, "note": snote}
            for k, v in scores.items():
                totals[k] += v
            totals["all_7"] += all7
            totals["said_all_7"] += said_all7
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} cases: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
