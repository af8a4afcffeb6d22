#!/usr/bin/env bash
# A private Docker daemon for buildlens' integration tests, demo and bench.
#
#   scripts/dockerd.sh ensure-installed   install dockerd (Debian docker.io), curl and GNU time when missing
#   scripts/dockerd.sh start <dir>        start a dockerd whose every file lives in <dir> (an empty folder, e.g.
#                                         from mktemp -d); prints its socket, unix://<dir>/docker.sock
#   scripts/dockerd.sh stop <dir>         stop it, check nothing of it is left, and remove <dir>
#
# The daemon never touches the host's /var/run/docker.sock, /etc/docker, /run or /opt: it listens only on
# <dir>/docker.sock, has no network (no bridge, no iptables), keeps its trust key in <dir>, and runs in a
# private mount namespace where /run and /opt are empty tmpfs. dockerd 20.10 hard-codes /run/docker/plugins,
# and its containerd creates /opt/containerd; a tmpfs /run also hides any system containerd socket, so
# dockerd always supervises its own containerd under <dir>/exec. All its mounts die with the namespace.
# Without a mount namespace (no root, no CAP_SYS_ADMIN) start refuses rather than write to the host.
set -euo pipefail

readonly PING_TIMEOUT_S=60
readonly MARKER=.buildlens-dockerd

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
  # The tests also use the docker CLI (to create contexts) and openssl (to make throwaway certificates).
  command -v docker >/dev/null 2>&1 || [ "${missing[*]:-}" = docker.io ] || missing+=(docker.io)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ -x /usr/bin/time ] || missing+=(time)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "dockerd.sh: installing ${missing[*]}" >&2
    as_root apt-get update
    # On a systemd host docker.io's postinst enables and starts the system docker service (and so creates
    # /var/run/docker.sock); that is the machine's policy and is left alone here: these scripts only ever use
    # the private daemon below. The confdef/confold pair matters only when the install upgrades a dependency
    # whose config file was edited locally: the local file is kept instead of stopping on dpkg's prompt.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io"
}

# The socket answers `GET /_ping` with `OK` once the API is served.
pinged() {
  [ -S "$1/docker.sock" ] &&
    [ "$(curl -sS --max-time 2 --unix-socket "$1/docker.sock" http://docker/_ping 2>/dev/null)" = "OK" ]
}

# True while the process exists and is not a zombie (a zombie still answers kill -0).
alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# Pids of the daemon's processes for dir: dockerd, the containerd it supervises (which runs in a session of its
# own, so a signal to dockerd's group misses it), shims and runc, all found by a command line naming "dir/".
# Only those program names count, so neither this script nor a shell or `tail` that names the folder is hit.
daemon_pids() {
  local dir="$1" proc pid comm
  for proc in /proc/[0-9]*; do
    pid="${proc#/proc/}"
    comm="$(cat "$proc/comm" 2>/dev/null)" || continue
    case "$comm" in
      dockerd | containerd | containerd-shim* | runc | docker-proxy | docker-init) ;;
      *) continue ;;
    esac
    grep -qzF -- "$dir/" "$proc/cmdline" 2>/dev/null || continue
    alive "$pid" && echo "$pid"
  done
  return 0
}

start() {
  local dir
  [ -d "${1:-}" ] || die "start needs an existing empty directory (e.g. from mktemp -d)"
  dir="$(cd "$1" && pwd)"
  # Every check comes before the first write, so a start that fails here leaves the folder empty and
  # `stop` can simply remove it.
  [ -e "$dir/$MARKER" ] && die "$dir is already used by a dockerd.sh daemon"
  [ -z "$(ls -A "$dir")" ] || die "start needs an empty directory; $dir is not (stop removes everything in it)"
  command -v dockerd >/dev/null 2>&1 || die "dockerd is not installed; run: $0 ensure-installed"
  # Unix socket paths are limited to 108 bytes; containerd's ttrpc socket is the longest one.
  [ "${#dir}" -le 60 ] || die "directory path too long for unix sockets: $dir"
  unshare --mount --propagation private true 2>/dev/null ||
    die "cannot create a private mount namespace here (needs root or CAP_SYS_ADMIN); refusing to start dockerd," \
      "which would create /run/docker/plugins and /opt/containerd on this host"

  touch "$dir/$MARKER"
  # gc.enabled with defaultKeepStorage makes BuildKit 20.10 report its 4 default GC rules.
  cat >"$dir/daemon.json" <<JSON
{
  "features": { "buildkit": true },
  "builder": { "gc": { "enabled": true, "defaultKeepStorage": "20GB" } },
  "deprecated-key-path": "$dir/key.json"
}
JSON
  mkdir -p "$dir/home"

  local args=(
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid"
    -H "unix://$dir/docker.sock" --config-file "$dir/daemon.json"
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false
  )
  # `mount -n` keeps util-linux from recording the mounts in the host's /run/mount. setsid, unshare and bash
  # all exec, so the launcher's pid becomes dockerd's, and it leads its own session and process group.
  local inner='mount -n -t tmpfs -o mode=755 buildlens-run /run &&
    mount -n -t tmpfs -o mode=755 buildlens-opt /opt && exec "$@"'
  HOME="$dir/home" setsid unshare --mount --propagation private bash -c "$inner" dockerd dockerd "${args[@]}" \
    </dev/null >"$dir/dockerd.log" 2>&1 &
  local launcher=$!
  echo "$launcher" >"$dir/launcher.pid"

  local deadline=$((SECONDS + PING_TIMEOUT_S))
  until pinged "$dir"; do
    if ! alive "$launcher"; then
      echo "dockerd.sh: dockerd exited before answering _ping; last log lines:" >&2
      tail -n 40 "$dir/dockerd.log" >&2
      stop "$dir" || true
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
  local pid
  pid="$(cat "$dir/dockerd.pid")"
  if [ "$(readlink "/proc/$pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]; then
    stop "$dir" || true
    die "dockerd $pid runs in the host's mount namespace; stopped it"
  fi
  echo "unix://$dir/docker.sock"
}

# Mount points under dir seen from this namespace; the daemon's own mounts live in its namespace, so any here
# would be a bug, and rm -rf must not descend into them.
mounts_under() {
  awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# Waits up to seconds for every pid to be gone; true when none is left.
wait_gone() {
  local seconds="$1" pid left
  shift
  local deadline=$((SECONDS + seconds))
  while :; do
    left=0
    for pid in "$@"; do alive "$pid" && left=1; done
    [ "$left" -eq 0 ] && return 0
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

stop() {
  local dir
  [ -d "${1:-}" ] || return 0
  dir="$(cd "$1" && pwd)"
  if [ ! -e "$dir/$MARKER" ]; then
    # A start that failed its checks wrote nothing: remove the folder only when it is still empty and looks
    # like mktemp -d's (mode 700, ours); anything else was not made for a daemon and is left alone.
    if [ -z "$(ls -A "$dir")" ] && [ "$(stat -c '%a %u' "$dir")" = "700 $(id -u)" ]; then
      rmdir "$dir"
      return 0
    fi
    die "$dir was not set up by dockerd.sh start; not touching it"
  fi

  local pid=""
  if [ -s "$dir/dockerd.pid" ]; then
    pid="$(cat "$dir/dockerd.pid")"
  elif [ -s "$dir/launcher.pid" ]; then
    pid="$(cat "$dir/launcher.pid")"
  fi
  # Only a process started for this folder is signalled (its command line names the folder). dockerd leads
  # its process group (setsid), so the group signal also reaches anything it forked without a session of its
  # own; SIGTERM lets it stop its containerd cleanly.
  if [ -n "$pid" ] && alive "$pid" && grep -qzF -- "$dir/" "/proc/$pid/cmdline" 2>/dev/null; then
    local target="$pid"
    [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] && target="-$pid"
    kill -TERM -- "$target" 2>/dev/null || true
    if ! wait_gone 30 "$pid"; then
      echo "dockerd.sh: dockerd $pid ignored SIGTERM for 30s; sending SIGKILL" >&2
      kill -KILL -- "$target" 2>/dev/null || true
      wait_gone 5 "$pid" || true
    fi
  fi
  # Whatever outlived dockerd (an orphaned containerd after a SIGKILL or a crash, its shims) goes too.
  local left
  left="$(daemon_pids "$dir")"
  if [ -n "$left" ]; then
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $left 2>/dev/null || true
    if ! wait_gone 10 $left; then
      kill -KILL $left 2>/dev/null || true
      wait_gone 5 $left || true
    fi
    left="$(daemon_pids "$dir")"
    [ -z "$left" ] || die "processes of the daemon in $dir are still running (pids $(echo $left)); leaving it in place"
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
