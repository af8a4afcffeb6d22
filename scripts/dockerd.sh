#!/usr/bin/env bash
# A private Docker daemon for buildlens' integration tests, demo and bench.
#
#   scripts/dockerd.sh ensure-installed   install dockerd (Debian docker.io), curl and GNU time when missing
#   scripts/dockerd.sh start <dir>        start a dockerd whose every file lives in <dir>; socket <dir>/docker.sock
#   scripts/dockerd.sh stop <dir>         stop it and remove <dir>
#
# The daemon never touches the host's /var/run/docker.sock, /etc/docker, /run or /opt: it listens only on
# <dir>/docker.sock, has no network (no bridge, no iptables), keeps its trust key in <dir>, and runs in a
# private mount namespace where /run and /opt are empty tmpfs. dockerd 20.10 hard-codes /run/docker/plugins,
# and its containerd creates /opt/containerd; a tmpfs /run also hides any system containerd socket, so
# dockerd always supervises its own containerd under <dir>/exec. All its mounts die with the namespace.
set -euo pipefail

readonly PING_TIMEOUT_S=60

die() {
  echo "dockerd.sh: $*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_installed() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ -x /usr/bin/time ] || missing+=(time)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "dockerd.sh: installing ${missing[*]}" >&2
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io"
}

# The socket answers `GET /_ping` with `OK` once the API is served.
pinged() {
  [ -S "$1/docker.sock" ] && [ "$(curl -sS --max-time 2 --unix-socket "$1/docker.sock" http://docker/_ping 2>/dev/null)" = "OK" ]
}

start() {
  local dir
  [ -d "${1:-}" ] || die "start needs an existing directory (e.g. from mktemp -d)"
  dir="$(cd "$1" && pwd)"
  [ -e "$dir/dockerd.pid" ] && die "a daemon already runs in $dir (dockerd.pid exists)"
  command -v dockerd >/dev/null 2>&1 || die "dockerd is not installed; run: $0 ensure-installed"
  # Unix socket paths are limited to 108 bytes; containerd's ttrpc socket is the longest one.
  [ "${#dir}" -le 60 ] || die "directory path too long for unix sockets: $dir"

  # gc.enabled with defaultKeepStorage makes BuildKit 20.10 report its 4 default GC rules.
  cat >"$dir/daemon.json" <<EOF
{
  "features": { "buildkit": true },
  "builder": { "gc": { "enabled": true, "defaultKeepStorage": "20GB" } },
  "deprecated-key-path": "$dir/key.json"
}
EOF
  mkdir -p "$dir/home"
  touch "$dir/.buildlens-dockerd"

  local args=(
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid"
    -H "unix://$dir/docker.sock" --config-file "$dir/daemon.json"
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false
  )
  # `mount -n` keeps util-linux from recording the mounts in the host's /run/mount.
  local inner='mount -n -t tmpfs -o mode=755 buildlens-run /run && mount -n -t tmpfs -o mode=755 buildlens-opt /opt && exec "$@"'
  if unshare --mount --propagation private true 2>/dev/null; then
    HOME="$dir/home" setsid unshare --mount --propagation private bash -c "$inner" dockerd dockerd "${args[@]}" \
      </dev/null >"$dir/dockerd.log" 2>&1 &
  else
    echo "dockerd.sh: WARNING: no mount namespace here; dockerd 20.10 will create /run/docker/plugins and /opt/containerd on this host" >&2
    [ -S /run/containerd/containerd.sock ] &&
      die "a system containerd runs at /run/containerd/containerd.sock; refusing to share it without a mount namespace"
    HOME="$dir/home" setsid dockerd "${args[@]}" </dev/null >"$dir/dockerd.log" 2>&1 &
  fi
  local launcher=$!
  echo "$launcher" >"$dir/launcher.pid"

  local deadline=$((SECONDS + PING_TIMEOUT_S))
  until pinged "$dir"; do
    if ! kill -0 "$launcher" 2>/dev/null; then
      echo "dockerd.sh: dockerd exited before answering _ping; last log lines:" >&2
      tail -n 40 "$dir/dockerd.log" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "dockerd.sh: dockerd did not answer _ping within ${PING_TIMEOUT_S}s; last log lines:" >&2
      tail -n 40 "$dir/dockerd.log" >&2
      stop "$dir" || true
      exit 1
    fi
    sleep 0.25
  done
  echo "unix://$dir/docker.sock"
}

# Mount points under dir seen from this namespace (only in the no-namespace fallback are there any).
mounts_under() {
  awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

stop() {
  local dir
  [ -d "${1:-}" ] || return 0
  dir="$(cd "$1" && pwd)"
  [ -e "$dir/.buildlens-dockerd" ] || die "$dir was not set up by dockerd.sh start; not touching it"
  local pid=""
  if [ -s "$dir/dockerd.pid" ]; then
    pid="$(cat "$dir/dockerd.pid")"
  elif [ -s "$dir/launcher.pid" ]; then
    pid="$(cat "$dir/launcher.pid")"
  fi
  # Only a process started for this folder is signalled (its command line names the folder).
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qF "$dir" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "dockerd.sh: dockerd $pid ignored SIGTERM for 30s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  local m
  for m in $(mounts_under "$dir"); do umount "$m" 2>/dev/null || umount -l "$m" || true; done
  [ -z "$(mounts_under "$dir")" ] || die "mounts remain under $dir; leaving it in place"
  rm -rf --one-file-system "$dir"
}

case "${1:-}" in
  ensure-installed) ensure_installed ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: $0 ensure-installed | start <dir> | stop <dir>" >&2
    exit 2
    ;;
esac
