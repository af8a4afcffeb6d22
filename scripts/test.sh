#!/usr/bin/env bash
# What `npm test` runs: every vitest project, with the integration tests against a private dockerd.
#
#   npm test [-- <vitest args>]      e.g. npm test -- --project adapters packages/adapters/test/docker
#
# The daemon lives in a fresh temp folder (scripts/dockerd.sh) and is stopped on any exit; tests find it
# through BUILDLENS_TEST_DOCKER_HOST and fail, never skip, when it is missing. HOME, DOCKER_CONFIG,
# BUILDX_CONFIG and KUBECONFIG point into a throwaway folder, so no test can read or write the user's.
#
# The CLI tests run the built bundle, so the script always builds first; BUILDLENS_TEST_BUILD=0 skips the
# build when the bundle is known to be fresh.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi

if [ "${BUILDLENS_TEST_BUILD:-1}" != 0 ]; then npm run build; fi

# Formatting and lint, including the dependency-direction rule core <- adapters <- cli (biome.json).
node_modules/.bin/biome check .

bash scripts/dockerd.sh ensure-installed

daemon_dir="$(mktemp -d)"
sandbox="$(mktemp -d)"
cleanup() {
  bash "$root/scripts/dockerd.sh" stop "$daemon_dir" || echo "test.sh: stopping the private dockerd failed" >&2
  rm -rf "$sandbox"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BUILDLENS_TEST_DOCKER_HOST="$(bash scripts/dockerd.sh start "$daemon_dir")"
export BUILDLENS_TEST_DOCKER_HOST

# Only what a test sets itself can steer buildlens.
# shellcheck source=scripts/isolate-env.sh
. scripts/isolate-env.sh
isolate_docker_env "$sandbox"

set +e
node_modules/.bin/vitest run "$@"
code=$?
set -e
exit "$code"
