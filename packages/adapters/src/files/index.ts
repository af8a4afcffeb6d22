/**
 * @buildlens/adapters/files: the on-disk inputs of buildx, read-only. The docker config folder and
 * config.json, DOCKER_HOST normalisation, the docker context store and the buildx store, as layers
 * for core's ContextStore and BuilderStore ports plus the pure functions they are made of.
 */
export {
  BuilderStoreLive,
  type BuilderStoreOptions,
  decodeNodeGroup,
  defaultsHash,
  makeBuilderStore,
  resolveBuildxDir
} from "./BuilderStore.js"
export { type ContextMeta, contextId, decodeContextMeta, naturalLess } from "./ContextMeta.js"
export { ContextStoreLive, type ContextStoreOptions, makeContextStore } from "./ContextStore.js"
export {
  type ContextNameInputs,
  cliDaemonHost,
  type DockerConfig,
  type DockerConfigLoad,
  decodeDockerConfig,
  emptyDockerConfig,
  loadDockerConfig,
  type ProxyConfig,
  proxyConfigFor,
  resolveConfigDir,
  resolveContextName
} from "./DockerConfig.js"
export { defaultDockerHost, joinHostPort, parseDockerHost, splitHostPort } from "./DockerHost.js"
export { parseRfc3339 } from "./GoTime.js"
