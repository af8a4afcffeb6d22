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
import Docker from "dockerode"
import { Effect, Layer, type Scope } from "effect"
import { type DockerCall, deadlineExceeded, toDockerApiError } from "./ApiError.js"
import { grpcBridge } from "./Bridge.js"
import { type DialMeta, hijack } from "./Hijack.js"
import { type DockerTransport, parseDockerHost } from "./Host.js"

const pingCall: DockerCall = { method: "GET", path: "/_ping" }
const versionCall: DockerCall = { method: "GET", path: "/version" }
const grpcCall: DockerCall = { method: "POST", path: "/grpc" }

/**
 * dockerode options for a transport. Every connection key is set, even to undefined, because docker-modem
 * merges its defaults from DOCKER_HOST / DOCKER_CERT_PATH under the options it is given.
 */
const dockerodeOptions = (transport: DockerTransport, agent: http.Agent): Docker.DockerOptions => {
  const address = transport.address
  const base = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    pathPrefix: undefined,
    timeout: undefined,
    sshOptions: undefined,
    agent
  }
  if (address.kind === "unix")
    return { ...base, socketPath: address.socketPath, protocol: "http" } as Docker.DockerOptions
  if (address.kind === "tcp") {
    return {
      ...base,
      host: address.hostname,
      port: address.port,
      protocol: transport.tls !== undefined ? "https" : "http"
    } as Docker.DockerOptions
  }
  return base as Docker.DockerOptions
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

/** Opens a client for one endpoint; nothing connects until a call. */
export const dockerClient = (endpoint: DockerEndpoint): Effect.Effect<DockerClient, DockerApiError, Scope.Scope> =>
  Effect.gen(function* () {
    const transport = yield* parseDockerHost(endpoint)
    const secure = transport.tls !== undefined
    const fail = (call: DockerCall, cause: unknown): DockerApiError =>
      toDockerApiError(transport.host, transport.address, secure, call, cause)
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => makeAgent(transport)),
      (agent) => Effect.sync(() => agent.destroy())
    )
    const docker = yield* Effect.try({
      try: () => new Docker(dockerodeOptions(transport, agent)),
      catch: (cause) => fail(pingCall, cause)
    })

    const request = <A>(
      call: DockerCall,
      run: (signal: AbortSignal) => Promise<A>
    ): Effect.Effect<A, DockerApiError> =>
      transport.address.kind === "unsupported"
        ? Effect.fail(fail(call, unknownNetwork(transport.address.proto)))
        : withinDeadline(Effect.tryPromise({ try: run, catch: (cause) => fail(call, cause) }), () =>
            deadlineExceeded(transport.host, transport.address, secure, call)
          )

    const upgrade = (meta: DialMeta) =>
      request(grpcCall, (signal) => hijack(transport, grpcCall.path, "h2c", meta, signal))

    const grpcTarget = (meta: DialMeta): Effect.Effect<BuildkitTarget, DockerApiError, Scope.Scope> =>
      Effect.gen(function* () {
        // Upgrading once before the bridge opens reports an unreachable daemon as a DockerApiError, not as a
        // gRPC dial failure; that first connection then serves the BuildKit client's first dial.
        const first = yield* upgrade(meta)
        const bridge = yield* grpcBridge(() => hijack(transport, grpcCall.path, "h2c", meta), first).pipe(
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
      ping: request(pingCall, (abortSignal) => withSignal(docker.ping, docker)(abortSignal)).pipe(Effect.asVoid),
      serverVersion: request(versionCall, (abortSignal) =>
        withSignal<Docker.DockerVersion>(docker.version, docker)(abortSignal)
      ).pipe(
        Effect.flatMap((version) =>
          typeof version?.Version === "string"
            ? Effect.succeed(version.Version)
            : Effect.fail(fail(versionCall, new Error("daemon answered /version without a Version")))
        )
      ),
      supportsGrpc: (meta) =>
        upgrade(meta).pipe(
          Effect.map((socket) => {
            socket.destroy()
            return true
          }),
          Effect.orElseSucceed(() => false)
        ),
      grpcTarget
    } satisfies DockerClient
  })

const unknownNetwork = (proto: string): Error => new Error(`dial ${proto}: unknown network ${proto}`)

/** The DockerApi port: `client` validates the host form and opens a lazily-connecting client. */
export const dockerApi: DockerApiService = { client: dockerClient }

/** DockerApi over dockerode and node:http. */
export const DockerApiLive: Layer.Layer<DockerApi> = Layer.succeed(DockerApi, dockerApi)
