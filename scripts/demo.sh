#!/usr/bin/env bash
# What `npm run demo` runs: builds buildlens and shows `buildlens ls` and `buildlens inspect`.
#
# The daemon is the user's when one answers `_ping`: $DOCKER_HOST, else unix:///var/run/docker.sock, used with
# the user's docker config and context as buildx would. Otherwise, or with BUILDLENS_DEMO_PRIVATE=1, a private
# dockerd is started in a temp folder (scripts/dockerd.sh) and stopped at exit; HOME, DOCKER_CONFIG,
# BUILDX_CONFIG and KUBECONFIG then point into a throwaway folder and no DOCKER_* / BUILDX_* variable of the
# caller is kept, so that run neither reads nor writes anything of the user's.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npm run build

if [ ! -f packages/cli/bin/buildlens.mjs ]; then
  echo "demo.sh: the build produced no packages/cli/bin/buildlens.mjs" >&2
  exit 1
fi
buildlens=(node "$root/packages/cli/bin/buildlens.mjs")
[ -x node_modules/.bin/buildlens ] && buildlens=("$root/node_modules/.bin/buildlens")

# True when the daemon at this docker host answers `GET /_ping` with OK: unix, or tcp over TLS as the docker CLI
# reads the env (DOCKER_TLS_VERIFY verifies the server against ca.pem, DOCKER_TLS alone does not).
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
      local certs="${DOCKER_CERT_PATH:-$HOME/.docker}" tls=()
      if [ -n "${DOCKER_TLS_VERIFY:-}" ]; then
        tls=(--cacert "$certs/ca.pem")
      elif [ -n "${DOCKER_TLS:-}" ]; then
        tls=(--insecure)
      fi
      if [ "${#tls[@]}" -gt 0 ]; then
        [ -f "$certs/cert.pem" ] && [ -f "$certs/key.pem" ] && tls+=(--cert "$certs/cert.pem" --key "$certs/key.pem")
        answer="$(curl -sS --max-time 3 "${tls[@]}" "https://$address/_ping" 2>/dev/null)" || return 1
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

start_private() {
  bash scripts/dockerd.sh ensure-installed
  daemon_dir="$(mktemp -d)"
  sandbox="$(mktemp -d)"
  local host
  host="$(bash scripts/dockerd.sh start "$daemon_dir")"
  # shellcheck source=scripts/isolate-env.sh
  . scripts/isolate-env.sh
  isolate_docker_env "$sandbox"
  export DOCKER_HOST="$host"
}

if [ "${BUILDLENS_DEMO_PRIVATE:-0}" = 1 ]; then
  start_private
  echo "# using a private dockerd at DOCKER_HOST=$DOCKER_HOST (BUILDLENS_DEMO_PRIVATE=1)"
elif [ -n "${DOCKER_HOST:-}" ] && answers_ping "$DOCKER_HOST"; then
  echo "# using the docker daemon at DOCKER_HOST=$DOCKER_HOST"
elif answers_ping unix:///var/run/docker.sock; then
  if [ -n "${DOCKER_HOST:-}" ]; then
    # The DOCKER_HOST given does not answer; buildlens is pointed at the daemon that does.
    echo "# using the docker daemon at unix:///var/run/docker.sock (DOCKER_HOST=$DOCKER_HOST does not answer)"
    export DOCKER_HOST=unix:///var/run/docker.sock
  else
    echo "# using the docker daemon at unix:///var/run/docker.sock"
  fi
else
  start_private
  echo "# using a private dockerd at DOCKER_HOST=$DOCKER_HOST (no docker daemon of yours answers _ping)"
fi

run() {
  echo
  echo "\$ buildlens $*"
  "${buildlens[@]}" "$@" || echo "(exit code $?)"
}
run ls
run inspect
