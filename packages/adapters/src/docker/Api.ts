/**
 * The DockerApi port over dockerode: one client per endpoint with its own HTTP agent (closed with the scope),
 * `GET /_ping`, `GET /version`, and the `/grpc` h2c hijack that reaches the daemon's embedded BuildKit.
 */
import * as http from "node:http"
import * as https from "node:https"
import {
  type BuildkitTarget,
  DockerApi,
  DockerApiError,
  type DockerApiService,
  type DockerClient,
  type DockerEndpoint,
  withinDeadline
} from "@buildlens/core"
import DockerModem from "docker-modem"
import Docker from "dockerode"
import { Effect, Layer, type Scope } from "effect"
import { DeadlineExceeded, type DockerCall, toDockerApiError } from "./ApiError.js"
import { grpcBridge } from "./Bridge.js"
import { type DialMeta, hijack, scopedConnection } from "./Hijack.js"
import { apiPath, type DockerAddress, type DockerTransport, parseDockerHost } from "./Host.js"

const pingCall: DockerCall = { method: "GET", path: "/_ping" }
const versionCall: DockerCall = { method: "GET", path: "/version" }
const grpcCall: DockerCall = { method: "POST", path: "/grpc", hijack: true }

type Modem = Docker["modem"]
type Dialable = Exclude<DockerAddress, { kind: "unsupported" }>

// docker-modem's constructor merges defaults read from DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY and
// more under any options (and throws on a malformed DOCKER_HOST or missing cert files), so the modem is made
// from its prototype here and handed to dockerode, which then constructs none. The import is static so the
// CLI bundle carries it; it is the docker-modem dockerode itself depends on.
const modemPrototype: object = DockerModem.prototype

/** A docker-modem with every field its constructor would set, none of them from the process environment. */
const makeModem = (address: Dialable, secure: boolean, agent: http.Agent): Modem => {
  const modem: Modem = Object.assign(Object.create(modemPrototype) as Modem, {
    socketPath: address.kind === "unix" ? address.socketPath : undefined,
    host: address.kind === "tcp" ? address.hostname : undefined,
    port: address.kind === "tcp" ? (address.port ?? (secure ? 443 : 80)) : undefined,
    protocol: secure ? "https" : "http",
    pathPrefix: "/",
    version: undefined,
    username: undefined,
    password: undefined,
    // TLS material sits on the agent, whose options node prefers to the request's.
    key: undefined,
    cert: undefined,
    ca: undefined,
    timeout: undefined,
    connectionTimeout: undefined,
    checkServerIdentity: undefined,
    agent,
    headers: {},
    sshOptions: {}
  })
  if (address.kind === "tcp" && address.basePath !== "") {
    // docker-modem resolves absolute routes against the host, dropping any path prefix; moby joins them.
    const dial = modem.dial
    modem.dial = (options, callback) => dial.call(modem, { ...options, path: apiPath(address, options.path) }, callback)
  }
  return modem
}

/** dockerode's `ping` / `version` accept `{ abortSignal }`, which its type declarations omit. */
const withSignal =
  <A = unknown>(method: (...args: never) => unknown, docker: Docker) =>
  (abortSignal: AbortSignal): Promise<A> =>
    (method as unknown as (this: Docker, options: { abortSignal: AbortSignal }) => Promise<A>).call(docker, {
      abortSignal
    })

const makeAgent = (transport: DockerTransport): http.Agent =>
  transport.tls !== undefined
    ? new https.Agent({ ...transport.tls, keepAlive: false })
    : new http.Agent({ keepAlive: false })

const unknownNetwork = (proto: string): Error => new Error(`dial ${proto}: unknown network ${proto}`)

/** Opens a client for one endpoint; nothing connects until a call. */
export const dockerClient = (endpoint: DockerEndpoint): Effect.Effect<DockerClient, DockerApiError, Scope.Scope> =>
  Effect.gen(function* () {
    const transport = yield* parseDockerHost(endpoint)
    const address = transport.address
    const secure = transport.tls !== undefined
    const fail = (call: DockerCall, cause: unknown): DockerApiError =>
      toDockerApiError(transport.host, address, secure, call, cause)
    const bounded = <A, R>(
      call: DockerCall,
      effect: Effect.Effect<A, unknown, R>
    ): Effect.Effect<A, DockerApiError, R> =>
      withinDeadline(
        Effect.mapError(effect, (cause) => fail(call, cause)),
        () => fail(call, new DeadlineExceeded())
      )

    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => makeAgent(transport)),
      (agent) => Effect.sync(() => agent.destroy())
    )
    // moby's client accepts any protocol and fails when it dials; so does this one, without a modem.
    const docker =
      address.kind === "unsupported"
        ? unknownNetwork(address.proto)
        : new Docker({ modem: makeModem(address, secure, agent) } as Docker.DockerOptions)

    const request = <A>(call: DockerCall, run: (docker: Docker, signal: AbortSignal) => Promise<A>) =>
      docker instanceof Error
        ? Effect.fail(fail(call, docker))
        : bounded(call, Effect.tryPromise({ try: (signal) => run(docker, signal), catch: (cause) => cause }))

    const dialGrpc = (meta: DialMeta) => (signal: AbortSignal) => hijack(transport, grpcCall.path, "h2c", meta, signal)
    // The upgraded socket belongs to the caller's scope as soon as it exists, even if the fiber is interrupted
    // just as it arrives.
    const upgrade = (meta: DialMeta) => bounded(grpcCall, scopedConnection(dialGrpc(meta)))

    const grpcTarget = (meta: DialMeta): Effect.Effect<BuildkitTarget, DockerApiError, Scope.Scope> =>
      Effect.gen(function* () {
        // Upgrading once before the bridge opens reports an unreachable daemon as a DockerApiError, not as a
        // gRPC dial failure; that first connection then serves the BuildKit client's first dial.
        const first = yield* upgrade(meta)
        const bridge = yield* grpcBridge(dialGrpc(meta), first).pipe(
          Effect.mapError(
            (cause) =>
              new DockerApiError({
                endpoint: transport.host,
                reason: "Protocol",
                detail: `opening the grpc bridge: ${cause instanceof Error ? cause.message : String(cause)}`,
                cause
              })
          )
        )
        return { address: `unix://${bridge.socketPath}` }
      })

    return {
      endpoint,
      ping: request(pingCall, (docker, signal) => withSignal(docker.ping, docker)(signal)).pipe(Effect.asVoid),
      serverVersion: request(versionCall, (docker, signal) =>
        withSignal<Docker.DockerVersion>(docker.version, docker)(signal)
      ).pipe(
        Effect.flatMap((version) =>
          typeof version?.Version === "string"
            ? Effect.succeed(version.Version)
            : Effect.fail(fail(versionCall, new Error("daemon answered /version without a Version")))
        )
      ),
      supportsGrpc: (meta) =>
        Effect.scoped(upgrade(meta)).pipe(
          Effect.as(true),
          Effect.orElseSucceed(() => false)
        ),
      grpcTarget
    } satisfies DockerClient
  })

/** DockerApi over dockerode and node:http: `client` validates the host form and opens a lazily-connecting client. */
export const DockerApiLive: Layer.Layer<DockerApi> = Layer.succeed(DockerApi, {
  client: dockerClient
} satisfies DockerApiService)
