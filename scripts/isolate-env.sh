# Sourced by test.sh, demo.sh and bench.sh: isolate_docker_env <folder> drops every DOCKER_* and BUILDX_*
# variable of the caller and points HOME, KUBECONFIG, DOCKER_CONFIG and BUILDX_CONFIG into <folder>, so a run
# on a private daemon neither reads nor writes anything of the user's. The caller sets DOCKER_HOST itself.
isolate_docker_env() {
  local folder="$1"
  mkdir -p "$folder/home"
  # shellcheck disable=SC2046 # one name per word
  unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_CLIENT_TIMEOUT \
    DOCKER_PATH_PREFIX BUILDX_BUILDER $(compgen -e | grep -E '^(DOCKER|BUILDX)_' || true)
  export HOME="$folder/home" KUBECONFIG="$folder/kubeconfig"
  export DOCKER_CONFIG="$folder/docker-config" BUILDX_CONFIG="$folder/buildx"
}
