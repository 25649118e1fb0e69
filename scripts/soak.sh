#!/usr/bin/env bash
# Soak run: an hour (or more) of generated drive through `cabin run`, faster than real time, with the
# process's memory sampled from /proc every few seconds. Memory must stay flat: the table at the end
# gives RSS (and its anonymous / file-backed split) at the start of the drive, at the end and at its
# maximum, and the growth between the first and the last quarter of the samples.
#
#   bash scripts/soak.sh [--minutes 60] [--config FILE] [--out DIR] [--every 5] [--bin target/debug/cabin]
#
# The drive is `cabin scenarios generate` (seeded, so always the same file) with speech as real audio
# (espeak-ng) and a passenger request every two minutes, so speech-to-text, the agent and the local LLM
# keep working through the whole hour. Run it niced on a shared machine: `nice -n 10 bash scripts/soak.sh`.
# Results: docs/perf/resources.md.
set -euo pipefail

minutes=60
config=""
out="target/soak"
every=5
bin="target/debug/cabin"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --config) config="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --every) every="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
seconds=$((minutes * 60))

# The drive: one generated scenario of the requested length, seed fixed.
"$bin" scenarios generate --count 1 --seed 7 --min-duration-s "$seconds" --max-duration-s "$seconds" \
    --out "$out/drive" >/dev/null
scenario="$out/drive/$(ls "$out/drive" | grep '\.toml$' | head -1)"
# Speech as audio through speech-to-text (the generator writes text mode), and a request every 2 minutes
# from 90 s on, cycling through phrases the default drive uses.
sed -i 's/^mode = "text"/mode = "audio"/' "$scenario"
phrases=("I could really use a coffee" "The traffic is light today." "I need a restroom stop."
         "Is there a charging station nearby?" "Nice weather for a drive.")
i=0
for ((t = 90; t < seconds - 30; t += 120)); do
    printf '\n[[conversation]]\nat_s = %d.0\nspeaker = "passenger"\ntext = "%s"\n' \
        "$t" "${phrases[$((i % ${#phrases[@]}))]}" >>"$scenario"
    i=$((i + 1))
done

args=(run --scenario "$scenario" --quiet --no-bus --events "$out/events.jsonl" --metrics "$out/metrics.json")
[[ -n "$config" ]] && args+=(--config "$config")
samples="$out/rss.csv"
echo "wall_s,rss_kib,anon_kib,file_kib,threads" >"$samples"
start=$(date +%s.%N)
"$bin" "${args[@]}" >"$out/run.out" 2>"$out/run.err" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
    if status=$(cat "/proc/$pid/status" 2>/dev/null); then
        now=$(date +%s.%N)
        awk -v t="$(echo "$now - $start" | bc)" '
            /^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} /^Threads:/ {n=$2}
            END { if (r != "") printf "%.1f,%d,%d,%d,%d\n", t, r, a, f, n }' <<<"$status" >>"$samples"
    fi
    sleep "$every"
done
wait "$pid"
rc=$?
wall=$(echo "$(date +%s.%N) - $start" | bc)
echo "cabin run exited $rc after ${wall%.*} s wall for $minutes min of drive"
tail -2 "$out/run.out" || true

# start = first sample after the models are loaded (10% into the run), end = last sample.
python3 - "$samples" <<'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
if len(rows) < 8:
    sys.exit("too few samples")
mib = lambda kib: int(kib) / 1024
loaded = rows[len(rows) // 10]
end = rows[-1]
peak = max(rows, key=lambda r: int(r["rss_kib"]))
q = len(rows) // 4
first = sum(int(r["rss_kib"]) for r in rows[q:2 * q]) / q
last = sum(int(r["rss_kib"]) for r in rows[-q:]) / q
print(f"samples: {len(rows)} over {float(end['wall_s']):.0f} s wall")
print("| point | wall s | RSS MiB | anon MiB | file MiB | threads |")
print("|---|---|---|---|---|---|")
for name, r in (("start (10% in, models loaded)", loaded), ("end", end), ("max", peak)):
    print(f"| {name} | {float(r['wall_s']):.0f} | {mib(r['rss_kib']):.0f} | {mib(r['anon_kib']):.0f} "
          f"| {mib(r['file_kib']):.0f} | {r['threads']} |")
print(f"mean RSS, 2nd quarter of the samples {first / 1024:.0f} MiB -> last quarter {last / 1024:.0f} MiB "
      f"({(last / first - 1) * 100:+.1f}%)")
EOF
exit "$rc"
