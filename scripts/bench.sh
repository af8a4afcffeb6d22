#!/usr/bin/env bash
# What `npm run bench` runs: `buildlens ls` against a private dockerd next to `node -e 0` (the floor of any
# node CLI): wall time mean/min over BENCH_RUNS runs (default 20; hyperfine when installed, else a
# date +%s%N loop) and peak RSS from GNU time. The daemon is stopped at the end.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${BENCH_RUNS:-20}"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npm run build
if [ ! -f packages/cli/bin/buildlens.mjs ]; then
  echo "bench.sh: the build produced no packages/cli/bin/buildlens.mjs" >&2
  exit 1
fi
bin="$root/packages/cli/bin/buildlens.mjs"
[ -x node_modules/.bin/buildlens ] && bin="$root/node_modules/.bin/buildlens"

bash scripts/dockerd.sh ensure-installed
daemon_dir="$(mktemp -d)"
sandbox="$(mktemp -d)"
cleanup() {
  bash "$root/scripts/dockerd.sh" stop "$daemon_dir" || true
  rm -rf "$sandbox"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

host="$(bash scripts/dockerd.sh start "$daemon_dir")"
# shellcheck source=scripts/isolate-env.sh
. scripts/isolate-env.sh
isolate_docker_env "$sandbox"
export DOCKER_HOST="$host"

names=("node -e 0" "buildlens ls")
commands=("node -e 0" "node $bin ls")
[ "$bin" = "$root/node_modules/.bin/buildlens" ] && commands[1]="$bin ls"

# One warm-up each (file cache, daemon's first answers), and a check that the command works at all.
for cmd in "${commands[@]}"; do $cmd >/dev/null || { echo "bench.sh: '$cmd' failed" >&2; exit 1; }; done

# Prints "<mean ms> <min ms>" for a command.
wall_times() {
  local cmd="$1"
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --runs "$runs" --warmup 2 --export-json "$sandbox/h.json" --style none "$cmd" >/dev/null
    node -e 'const r = require(process.argv[1]).results[0]
      console.log((r.mean * 1e3).toFixed(1), (r.min * 1e3).toFixed(1))' "$sandbox/h.json"
  else
    local i start end total=0 min=""
    for ((i = 0; i < runs; i++)); do
      start=$(date +%s%N)
      $cmd >/dev/null
      end=$(date +%s%N)
      local ns=$((end - start))
      total=$((total + ns))
      if [ -z "$min" ] || [ "$ns" -lt "$min" ]; then min=$ns; fi
    done
    awk -v t="$total" -v n="$runs" -v m="$min" 'BEGIN { printf "%.1f %.1f\n", t / n / 1e6, m / 1e6 }'
  fi
}

# Prints the largest max-RSS (KiB) GNU time saw over the runs.
peak_rss() {
  local cmd="$1" i kb peak=0
  for ((i = 0; i < runs; i++)); do
    kb=$(/usr/bin/time -f %M $cmd 2>&1 >/dev/null | tail -n 1)
    if [ "$kb" -gt "$peak" ]; then peak=$kb; fi
  done
  echo "$peak"
}

timer="date +%s%N loop"
command -v hyperfine >/dev/null 2>&1 && timer="hyperfine"
echo "buildlens bench: $runs runs each, wall time by $timer, peak RSS by GNU time; daemon $DOCKER_HOST"
printf '%-16s %12s %12s %16s\n' command "mean ms" "min ms" "peak RSS MiB"
for i in "${!commands[@]}"; do
  read -r mean min < <(wall_times "${commands[$i]}")
  rss=$(peak_rss "${commands[$i]}")
  printf '%-16s %12s %12s %16s\n' "${names[$i]}" "$mean" "$min" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
done
