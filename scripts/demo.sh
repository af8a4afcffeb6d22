#!/usr/bin/env bash
# What `npm run demo` runs: builds buildlens and shows `buildlens ls` and `buildlens inspect`.
#
# The daemon is the user's when one answers `_ping` ($DOCKER_HOST, else unix:///var/run/docker.sock), used
# with the user's docker config and context as buildx would. Otherwise a private dockerd is started in a
# temp folder (scripts/dockerd.sh) with an empty throwaway DOCKER_CONFIG / BUILDX_CONFIG, and stopped at exit.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npm run build

buildlens=(node "$root/packages/cli/bin/buildlens.mjs")
[ -x node_modules/.bin/buildlens ] && buildlens=("$root/node_modules/.bin/buildlens")
[ -f packages/cli/bin/buildlens.mjs ] || { echo "demo.sh: the build produced no packages/cli/bin/buildlens.mjs" >&2; exit 1; }

# True when the daemon at this docker host answers `GET /_ping` with OK (unix, or tcp with the env's TLS files).
answers_ping() {
  local host="$1" answer=""
  case "$host" in
    unix://*)
      local socket="${host#unix://}"
      [ -S "$socket" ] || return 1
      answer="$(curl -sS --max-time 3 --unix-socket "$socket" http://docker/_ping 2>/dev/null)" || return 1
      ;;
    tcp://*)
      local address="${host#tcp://}"
      address="${address%%/*}"
      if [ -n "${DOCKER_TLS_VERIFY:-}" ] || [ -n "${DOCKER_CERT_PATH:-}" ]; then
        local certs="${DOCKER_CERT_PATH:-$HOME/.docker}"
        answer="$(curl -sS --max-time 3 --cacert "$certs/ca.pem" --cert "$certs/cert.pem" --key "$certs/key.pem" \
          "https://$address/_ping" 2>/dev/null)" || return 1
      else
        answer="$(curl -sS --max-time 3 "http://$address/_ping" 2>/dev/null)" || return 1
      fi
      ;;
    *) return 1 ;;
  esac
  [ "$answer" = "OK" ]
}

daemon_dir=""
sandbox=""
cleanup() {
  if [ -n "$daemon_dir" ]; then bash "$root/scripts/dockerd.sh" stop "$daemon_dir" || true; fi
  if [ -n "$sandbox" ]; then rm -rf "$sandbox"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${DOCKER_HOST:-}" ] && answers_ping "$DOCKER_HOST"; then
  echo "# using the docker daemon at DOCKER_HOST=$DOCKER_HOST"
elif [ -z "${DOCKER_HOST:-}" ] && answers_ping unix:///var/run/docker.sock; then
  echo "# using the docker daemon at unix:///var/run/docker.sock"
else
  echo "# no docker daemon answers; starting a private one"
  bash scripts/dockerd.sh ensure-installed
  daemon_dir="$(mktemp -d)"
  sandbox="$(mktemp -d)"
  DOCKER_HOST="$(bash scripts/dockerd.sh start "$daemon_dir")"
  export DOCKER_HOST DOCKER_CONFIG="$sandbox/docker-config" BUILDX_CONFIG="$sandbox/buildx"
  unset DOCKER_CONTEXT DOCKER_CERT_PATH DOCKER_TLS_VERIFY BUILDX_BUILDER
  echo "# DOCKER_HOST=$DOCKER_HOST"
fi

run() {
  echo
  echo "\$ buildlens $*"
  "${buildlens[@]}" "$@" || echo "(exit code $?)"
}
run ls
run inspect
