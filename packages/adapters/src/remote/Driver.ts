/**
 * The remote driver (SPEC §4.3): a BuildKit daemon reached at its own `unix://` or `tcp://` address,
 * optionally over TLS. It never reports errors from Info: an unreachable daemon is `inactive`.
 */

import { readFile } from "node:fs/promises"
import {
  BuildkitClient,
  type BuildkitClientService,
  type BuildkitConnection,
  type BuildkitError,
  type BuildkitTarget,
  type Driver,
  type DriverConfig,
  DriverError,
  type DriverFactory,
  type DriverInfo,
  goQuote
} from "@buildlens/core"
import { Effect, Scope } from "effect"
import { goErrnoText, refusedConnection } from "../buildkit/index.js"
import { clientAuthority, goHostname, parseGoUrl, validateEndpoint } from "./Endpoint.js"

const driverName = "remote"

/** Connection-helper schemes: buildx runs `docker exec`, `kubectl exec` or `ssh` with `buildctl dial-stdio`. */
const connectionHelperSchemes: ReadonlyArray<string> = ["docker-container", "kube-pod", "ssh"]

/** Go `strconv.ParseBool`. */
const parseGoBool = (value: string): boolean | string => {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false
  return `strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`
}

/** The TLS options of a remote node after validation (paths are absolute). */
interface TlsOptions {
  readonly serverName: string
  readonly caCert: string
  readonly cert: string
  readonly key: string
}

/** What the factory's option checks produce (buildx `factory.New`). */
export interface RemoteOptions {
  readonly tls: TlsOptions | undefined
  readonly defaultLoad: boolean
}

/**
 * buildx's checks in buildx's order, with its texts: files, flags, then each driver option (sorted by
 * key where Go iterates its map), then the TLS key set. Returns the error text or the options.
 */
export const validateRemoteConfig = (
  config: Pick<DriverConfig, "endpoint" | "files" | "buildkitdFlags" | "driverOpts">
): RemoteOptions | string => {
  if (Object.keys(config.files).length > 0) return "setting config file is not supported for remote driver"
  if (config.buildkitdFlags.length > 0) return "setting buildkit flags is not supported for remote driver"
  let serverName = ""
  let caCert = ""
  let cert = ""
  let key = ""
  let tlsEnabled = false
  let defaultLoad = false
  for (const [k, v] of Object.entries(config.driverOpts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    switch (k) {
      case "servername":
        serverName = v
        tlsEnabled = true
        break
      case "cacert":
      case "cert":
      case "key":
        // filepath.IsAbs on unix.
        if (!v.startsWith("/")) return `non-absolute path '${v}' provided for ${k}`
        if (k === "cacert") caCert = v
        else if (k === "cert") cert = v
        else key = v
        tlsEnabled = true
        break
      case "default-load": {
        const parsed = parseGoBool(v)
        if (typeof parsed === "string") return parsed
        defaultLoad = parsed
        break
      }
      default:
        return `invalid driver option ${k} for remote driver`
    }
  }
  if (!tlsEnabled) return { tls: undefined, defaultLoad }
  if (serverName === "") {
    // The server name defaults to the endpoint's hostname.
    const parsed = parseGoUrl(config.endpoint)
    if (parsed._tag === "Error") return parsed.error
    serverName = goHostname(parsed.url)
  }
  const missing: Array<string> = []
  if (caCert === "") missing.push("cacert")
  if (cert !== "" && key === "") missing.push("key")
  if (key !== "" && cert === "") missing.push("cert")
  if (missing.length > 0) return `tls enabled, but missing keys ${missing.join(", ")}`
  return { tls: { serverName, caCert, cert, key }, defaultLoad }
}

/** Go's `*PathError` text of os.ReadFile: open fails for missing files, read for directories. */
const goFileError = (path: string, cause: unknown): string => {
  const code = (cause as { code?: unknown }).code
  if (typeof code !== "string") return `open ${path}: ${String(cause)}`
  return `${code === "EISDIR" ? "read" : "open"} ${path}: ${goErrnoText(code)}`
}

/**
 * The PEM files of the TLS options, as the remote driver's dialer loads them; a failure is the text
 * Go's dialer reports (`error loading tls config: ...`), surfaced on the first RPC.
 */
const loadTls = (tls: TlsOptions): Effect.Effect<NonNullable<BuildkitTarget["tls"]>, string> =>
  Effect.gen(function* () {
    const ca = yield* Effect.tryPromise({
      try: () => readFile(tls.caCert),
      catch: (e) => `could not read ca certificate: ${goFileError(tls.caCert, e)}`
    })
    if (!ca.toString("latin1").includes("-----BEGIN CERTIFICATE-----")) {
      return yield* Effect.fail("failed to append ca certs")
    }
    if (tls.cert === "" && tls.key === "") return { ca, serverName: tls.serverName }
    const cert = yield* Effect.tryPromise({
      try: () => readFile(tls.cert),
      catch: (e) => `could not read certificate/key: ${goFileError(tls.cert, e)}`
    })
    const key = yield* Effect.tryPromise({
      try: () => readFile(tls.key),
      catch: (e) => `could not read certificate/key: ${goFileError(tls.key, e)}`
    })
    return { ca, cert, key, serverName: tls.serverName }
  }).pipe(Effect.mapError((e) => `error loading tls config: ${e}`))

/** buildx's remote driver features: every exporter, and DefaultLoad from `default-load`. */
const remoteFeatures = (defaultLoad: boolean): Readonly<Record<string, boolean>> => ({
  "OCI exporter": true,
  "Docker exporter": true,
  "Cache export": true,
  "Multi-platform build": true,
  "Direct push": true,
  "Automatically load images to the Docker Engine image store": defaultLoad
})

/** The remote DriverFactory over a BuildkitClient. */
export const makeRemoteDriverFactory = (buildkit: BuildkitClientService): DriverFactory => ({
  name: driverName,
  allowsInstances: true,
  priority: (probe) => Effect.succeed(validateEndpoint(probe.endpoint) === undefined ? 20 : 90),
  create: (config) =>
    Effect.gen(function* () {
      const fail = (detail: string) => new DriverError({ driver: driverName, node: config.node.name, detail })
      const options = validateRemoteConfig(config)
      if (typeof options === "string") return yield* Effect.fail(fail(options))
      const parsed = parseGoUrl(config.endpoint)
      if (parsed._tag === "Url" && connectionHelperSchemes.includes(parsed.url.scheme)) {
        // TODO(remote-connhelper): buildx dials these through `docker exec` / `kubectl exec` / `ssh` running
        // `buildctl dial-stdio`; buildlens has no stdio transport for gRPC yet, so it refuses them visibly.
        return yield* Effect.fail(
          fail(`${parsed.url.scheme}:// endpoints are not supported yet by the remote driver of buildlens`)
        )
      }
      // Files are read once here (buildx reads them on each dial); a failure only shows on the first RPC.
      const tls = options.tls === undefined ? undefined : yield* Effect.either(loadTls(options.tls))
      const authority = clientAuthority(config.endpoint, options.tls?.serverName)
      // The driver keeps one client for its lifetime (buildx clientOnce), a failure included; it is
      // opened in the driver's scope so the loader's `client` and `info` share it.
      const scope = yield* Effect.scope
      const open: Effect.Effect<BuildkitConnection, BuildkitError> =
        tls?._tag === "Left"
          ? Effect.succeed(refusedConnection(config.endpoint, tls.left))
          : buildkit
              .connect({
                address: config.endpoint,
                ...(authority !== undefined ? { authority } : {}),
                ...(tls?._tag === "Right" ? { tls: tls.right } : {})
              })
              .pipe(Effect.provideService(Scope.Scope, scope))
      const client = yield* Effect.cached(open)
      const info: Effect.Effect<DriverInfo> = client.pipe(
        Effect.flatMap((connection) => connection.listWorkers),
        Effect.as<DriverInfo>({ status: "running", dynamicNodes: [] }),
        Effect.catchAll((error) =>
          Effect.logDebug("remote BuildKit unreachable, reporting inactive").pipe(
            Effect.annotateLogs({
              driver: driverName,
              node: config.node.name,
              endpoint: config.endpoint,
              cause: error.detail
            }),
            Effect.as<DriverInfo>({ status: "inactive", dynamicNodes: [] })
          )
        )
      )
      const driver: Driver = {
        factory: driverName,
        info,
        version: Effect.succeed(""),
        client,
        features: Effect.succeed(remoteFeatures(options.defaultLoad))
      }
      return driver
    })
})

/** The remote DriverFactory, using the BuildkitClient of the context. */
export const RemoteDriverFactory: Effect.Effect<DriverFactory, never, BuildkitClient> = Effect.map(
  BuildkitClient,
  makeRemoteDriverFactory
)
