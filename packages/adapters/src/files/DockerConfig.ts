/**
 * The docker CLI's config folder and `config.json` as buildx sees them (SPEC §1.1–1.3): where the
 * folder is, the fields that matter (current context, proxies), the warnings docker prints for a
 * broken file, the proxy map every node gets, and the current context name precedence.
 */
import * as Path from "node:path"
import { Effect } from "effect"
import { readBytes } from "./Fs.js"
import { decodeBase64Std, decodeGo, type GoType, goStringMap, goStrings, goString as str } from "./GoDecode.js"
import { parseDecoder } from "./GoJson.js"

/** One entry of `proxies` in config.json (docker's `configfile.ProxyConfig`). */
export interface ProxyConfig {
  readonly httpProxy: string
  readonly httpsProxy: string
  readonly noProxy: string
  readonly ftpProxy: string
  readonly allProxy: string
}

/** The parts of config.json that `ls` and `inspect` use. */
export interface DockerConfig {
  readonly currentContext: string
  /** Keyed by daemon host or `default`, exactly as written (Go map lookups are case-sensitive). */
  readonly proxies: Readonly<Record<string, ProxyConfig>>
}

/** A loaded config.json: what the CLI continues with, and the warnings docker would print to stderr. */
export interface DockerConfigLoad {
  readonly path: string
  readonly config: DockerConfig
  readonly warnings: ReadonlyArray<string>
}

export const emptyDockerConfig: DockerConfig = { currentContext: "", proxies: {} }

/** Go's `filepath.Clean` on Unix paths (Node's normalize keeps a trailing slash). */
export const goClean = (p: string): string => {
  const normalized = Path.posix.normalize(p)
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized
}

/**
 * The docker config folder: `--config` (cleaned, as `config.SetDir` does), else `DOCKER_CONFIG`
 * verbatim when non-empty, else `<home>/.docker`.
 */
export const resolveConfigDir = (options: {
  readonly flag?: string | undefined
  readonly env?: string | undefined
  readonly home: string
}): string => {
  if (options.flag !== undefined && options.flag !== "") return goClean(options.flag)
  if (options.env !== undefined && options.env !== "") return options.env
  return Path.posix.join(options.home, ".docker")
}

// docker's ConfigFile struct with its JSON tags; every field is listed so that a type error in any of
// them produces the same warning docker prints.
const authConfig: GoType = {
  kind: "struct",
  name: "types.AuthConfig",
  fields: ["username", "password", "auth", "serveraddress", "identitytoken", "registrytoken"].map((key) => ({
    key,
    type: str
  }))
}
const proxyConfig: GoType = {
  kind: "struct",
  name: "configfile.ProxyConfig",
  fields: ["httpProxy", "httpsProxy", "noProxy", "ftpProxy", "allProxy"].map((key) => ({ key, type: str }))
}
const stringFields = (keys: ReadonlyArray<string>) => keys.map((key) => ({ key, type: str }))
const configFileType: GoType = {
  kind: "struct",
  name: "configfile.ConfigFile",
  fields: [
    { key: "auths", type: { kind: "map", name: "map[string]types.AuthConfig", elem: authConfig } },
    { key: "HttpHeaders", type: goStringMap },
    ...stringFields(["psFormat", "imagesFormat", "networksFormat", "pluginsFormat", "volumesFormat"]),
    ...stringFields(["statsFormat", "detachKeys", "credsStore"]),
    { key: "credHelpers", type: goStringMap },
    ...stringFields(["serviceInspectFormat", "servicesFormat", "tasksFormat", "secretFormat", "configFormat"]),
    ...stringFields(["nodesFormat"]),
    { key: "pruneFilters", type: goStrings },
    { key: "proxies", type: { kind: "map", name: "map[string]configfile.ProxyConfig", elem: proxyConfig } },
    { key: "currentContext", type: str },
    { key: "cliPluginsExtraDirs", type: goStrings },
    { key: "plugins", type: { kind: "map", name: "map[string]map[string]string", elem: goStringMap } },
    { key: "aliases", type: goStringMap },
    { key: "features", type: goStringMap }
  ]
}

interface ConfigFileValue {
  readonly auths: Record<string, { readonly auth: string }> | null
  readonly proxies: Record<string, ProxyConfig> | null
  readonly currentContext: string
}

// docker's decodeAuth: base64 of `user:password` with a non-empty user.
const authError = (auth: string): string | undefined => {
  if (auth === "") return undefined
  const decoded = decodeBase64Std(auth)
  if (typeof decoded === "string") return decoded
  const text = new TextDecoder().decode(decoded)
  const colon = text.indexOf(":")
  return colon <= 0 ? "invalid auth configuration file" : undefined
}

const toConfig = (value: ConfigFileValue): DockerConfig => ({
  currentContext: value.currentContext,
  proxies: value.proxies ?? {}
})

/**
 * Decodes config.json bytes as docker's `LoadFromReader` does (a `json.Decoder`, so trailing bytes
 * are ignored and an empty file is fine). Returns the config the CLI continues with and the error
 * text, if any: after a syntax error the config is empty, after a type error it is the partial
 * value Go had decoded.
 */
export const decodeDockerConfig = (bytes: Uint8Array): { readonly config: DockerConfig; readonly error?: string } => {
  const parsed = parseDecoder(bytes)
  if (parsed._tag === "Empty") return { config: emptyDockerConfig }
  if (parsed._tag === "SyntaxError") return { config: emptyDockerConfig, error: parsed.message }
  // docker starts from configfile.New, whose maps are allocated (so `"auths": null` stays harmless).
  const decoded = decodeGo<ConfigFileValue>(configFileType, parsed.node)
  if (decoded.error !== undefined) return { config: toConfig(decoded.value), error: decoded.error }
  // Go walks the auths map in random order; the first failing entry by key order is reported here.
  const auths = decoded.value.auths ?? {}
  for (const key of Object.keys(auths).sort()) {
    const error = authError(auths[key]?.auth ?? "")
    if (error !== undefined) return { config: toConfig(decoded.value), error }
  }
  return { config: toConfig(decoded.value) }
}

/** Reads `<configDir>/config.json`; never fails, problems become docker's warning lines. */
export const loadDockerConfig = (configDir: string): Effect.Effect<DockerConfigLoad> => {
  const path = Path.posix.join(configDir, "config.json")
  return readBytes(path).pipe(
    Effect.map((bytes): DockerConfigLoad => {
      const { config, error } = decodeDockerConfig(bytes)
      return {
        path,
        config,
        warnings: error === undefined ? [] : [`WARNING: Error parsing config file (${path}): ${error}`]
      }
    }),
    Effect.catchAll((failure) => {
      if (failure.reason === "NotFound") return Effect.succeed({ path, config: emptyDockerConfig, warnings: [] })
      // Opening a directory works in Go; the read fails inside the JSON decoder, so docker calls it a parse error.
      const warning =
        failure.reason === "IsDirectory"
          ? `WARNING: Error parsing config file (${path}): ${failure.message}`
          : `WARNING: Error loading config file: ${failure.message}`
      return Effect.succeed({ path, config: emptyDockerConfig, warnings: [warning] })
    })
  )
}

/**
 * The daemon host the docker CLI's own client reports (`DaemonHost()`): the endpoint host, except
 * that ssh endpoints go through a connection helper whose placeholder host is used instead.
 */
export const cliDaemonHost = (endpointHost: string): string =>
  /^ssh:\/\//i.test(endpointHost) ? "http://docker.example.com" : endpointHost

/**
 * buildx `GetProxyConfig`: `proxies[<cli daemon host>]`, else `proxies.default`, mapped to the env
 * names buildx passes to nodes; empty values and `allProxy` are dropped.
 */
export const proxyConfigFor = (config: DockerConfig, daemonHost: string): Readonly<Record<string, string>> => {
  const proxy = Object.hasOwn(config.proxies, daemonHost) ? config.proxies[daemonHost] : config.proxies.default
  const out: Record<string, string> = {}
  if (proxy === undefined) return out
  if (proxy.httpProxy !== "") out.HTTP_PROXY = proxy.httpProxy
  if (proxy.httpsProxy !== "") out.HTTPS_PROXY = proxy.httpsProxy
  if (proxy.noProxy !== "") out.NO_PROXY = proxy.noProxy
  if (proxy.ftpProxy !== "") out.FTP_PROXY = proxy.ftpProxy
  return out
}

/** What the current context name depends on (SPEC §1.3); empty strings count as unset. */
export interface ContextNameInputs {
  readonly contextFlag?: string | undefined
  readonly dockerHostEnv?: string | undefined
  readonly dockerContextEnv?: string | undefined
  readonly configCurrentContext?: string | undefined
}

const given = (s: string | undefined): s is string => s !== undefined && s !== ""

/**
 * docker's `resolveContextName`: `--context`, else `default` when DOCKER_HOST is set, else
 * DOCKER_CONTEXT, else config.json's currentContext (not validated), else `default`.
 */
export const resolveContextName = (inputs: ContextNameInputs): string => {
  if (given(inputs.contextFlag)) return inputs.contextFlag
  if (given(inputs.dockerHostEnv)) return "default"
  if (given(inputs.dockerContextEnv)) return inputs.dockerContextEnv
  if (given(inputs.configCurrentContext)) return inputs.configCurrentContext
  return "default"
}
