/**
 * The DockerApi adapter against the private dockerd of `npm test` (BUILDLENS_TEST_DOCKER_HOST): host checks,
 * ping and version, the `/grpc` upgrade and its bridge to BuildKit, error reasons, tcp + TLS through a
 * loopback TLS front with certificates made for the test, and a fake daemon for answers dockerd never gives.
 */
import { mkdtemp, rm, stat } from "node:fs/promises"
import * as http2 from "node:http2"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import type { Duplex } from "node:stream"
import { connect } from "@buildlens/adapters/buildkit"
import { dockerClient } from "@buildlens/adapters/docker"
import type { BuildkitTarget, DockerEndpoint } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { testDockerEndpoint, testDockerHost, testDockerSocket } from "../support/dockerd.js"
import { closedPort, failure } from "../support/effects.js"
import { fakeDaemon, peerGoneWithin2s } from "./fakeDaemon.js"
import { makeTestPki, tlsFront } from "./tls.js"

const endpoint = (host: string, rest: Partial<DockerEndpoint> = {}): DockerEndpoint => ({
  host,
  skipTLSVerify: false,
  tls: undefined,
  ...rest
})

/** Sets process environment variables while the scope is open, then restores what was there. */
const withEnv = (vars: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const saved = Object.keys(vars).map((name) => [name, process.env[name]] as const)
      Object.assign(process.env, vars)
      return saved
    }),
    (saved) =>
      Effect.sync(() => {
        for (const [name, value] of saved) {
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        }
      })
  )

/** An empty temp folder, removed with the scope. */
const emptyFolder = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "buildlens-empty-"))),
  (folder) => Effect.promise(() => rm(folder, { recursive: true, force: true }))
)

const missingSocket = (): string => `unix://${join(tmpdir(), `buildlens-missing-${process.pid}`, "docker.sock")}`

/** ListWorkers through a BuildKit target with the grpc-js client of the buildkit adapter. */
const workersVia = (target: BuildkitTarget) =>
  Effect.scoped(Effect.flatMap(connect(target), (connection) => connection.listWorkers))

/** One raw HTTP/2 gRPC call (empty ListWorkersRequest) over a unix socket, without grpc-js. */
const rawListWorkers = (socketPath: string) =>
  Effect.async<{ status: number | undefined; grpcStatus: string | undefined; bytes: number }>((resume) => {
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(socketPath) })
    const chunks: Array<Buffer> = []
    let status: number | undefined
    const request = session.request({
      ":method": "POST",
      ":path": "/moby.buildkit.v1.Control/ListWorkers",
      "content-type": "application/grpc",
      te: "trailers"
    })
    request.on("response", (headers) => {
      status = headers[":status"]
    })
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    let grpcStatus: string | undefined
    request.on("trailers", (trailers) => {
      grpcStatus = String(trailers["grpc-status"])
    })
    request.on("end", () => {
      session.close()
      resume(Effect.succeed({ status, grpcStatus, bytes: Buffer.concat(chunks).length }))
    })
    request.on("error", (error) => {
      session.destroy()
      resume(Effect.die(error))
    })
    request.end(Buffer.alloc(5))
  })

describe("client", () => {
  it.scoped("rejects a host without a protocol", () =>
    Effect.gen(function* () {
      const error = failure(yield* Effect.exit(dockerClient(endpoint("docker.sock"))))
      expect(error.reason).toBe("BadHost")
      expect(error.message).toBe("unable to parse docker host `docker.sock`")
    })
  )

  it.scoped("rejects a host with an empty address", () =>
    Effect.gen(function* () {
      const error = failure(yield* Effect.exit(dockerClient(endpoint("unix://"))))
      expect(error.reason).toBe("BadHost")
      expect(error.message).toBe("unable to parse docker host `unix://`")
    })
  )

  it.scoped("refuses ssh hosts until they are supported", () =>
    Effect.gen(function* () {
      const error = failure(yield* Effect.exit(dockerClient(endpoint("ssh://user@host"))))
      expect(error.reason).toBe("Protocol")
      expect(error.message).toContain("not supported yet")
    })
  )

  it.scoped("accepts other protocols and fails on the first call", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(endpoint("kubernetes:///cluster?namespace=x"))
      const error = failure(yield* Effect.exit(client.ping))
      expect(error.reason).toBe("Protocol")
      expect(error.message).toBe(
        'error during connect: Get "http://kubernetes/_ping": dial kubernetes: unknown network kubernetes'
      )
    })
  )
})

describe("ping and version", () => {
  it.scopedLive("pings the private daemon", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(testDockerEndpoint())
      yield* client.ping
      expect(client.endpoint.host).toBe(testDockerHost())
    })
  )

  it.scopedLive("reads the daemon's server version", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(testDockerEndpoint())
      expect(yield* client.serverVersion).toBe("20.10.24+dfsg1")
    })
  )

  it.scopedLive("reports a missing socket as not found with moby's message", () =>
    Effect.gen(function* () {
      const host = missingSocket()
      const client = yield* dockerClient(endpoint(host))
      const error = failure(yield* Effect.exit(client.ping))
      expect(error.reason).toBe("NotFound")
      expect(error.message).toBe(
        `failed to connect to the docker API at ${host}; check if the path is correct and if the daemon is running: dial unix ${host.slice("unix://".length)}: connect: no such file or directory`
      )
      expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOENT")
      expect(failure(yield* Effect.exit(client.serverVersion)).reason).toBe("NotFound")
    })
  )

  it.scopedLive("reports a refused tcp port as unreachable", () =>
    Effect.gen(function* () {
      const host = `tcp://127.0.0.1:${yield* closedPort}`
      const client = yield* dockerClient(endpoint(host))
      const error = failure(yield* Effect.exit(client.serverVersion))
      expect(error.reason).toBe("Unreachable")
      expect(error.message).toBe(`Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?`)
    })
  )
})

describe("process environment", () => {
  it.scopedLive("ignores a malformed DOCKER_HOST", () =>
    Effect.gen(function* () {
      yield* withEnv({ DOCKER_HOST: "tcp://a b" })
      const client = yield* dockerClient(testDockerEndpoint())
      expect(yield* client.serverVersion).toBe("20.10.24+dfsg1")
    })
  )

  it.scopedLive("ignores DOCKER_CERT_PATH, DOCKER_TLS_VERIFY and the other docker-modem variables", () =>
    Effect.gen(function* () {
      const pki = makeTestPki()
      const port = yield* tlsFront(pki, testDockerSocket())
      // A folder without ca.pem / cert.pem / key.pem: docker-modem would read it and fail with ENOENT.
      yield* withEnv({
        DOCKER_HOST: `tcp://127.0.0.1:${yield* closedPort}`,
        DOCKER_TLS_VERIFY: "1",
        DOCKER_CERT_PATH: yield* emptyFolder,
        DOCKER_PATH_PREFIX: "/elsewhere",
        DOCKER_CLIENT_TIMEOUT: "1"
      })
      const unix = yield* dockerClient(testDockerEndpoint())
      expect(yield* unix.serverVersion).toBe("20.10.24+dfsg1")
      const tcp = yield* dockerClient(
        endpoint(`tcp://127.0.0.1:${port}`, { tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } })
      )
      yield* tcp.ping
      expect(yield* tcp.serverVersion).toBe("20.10.24+dfsg1")
    })
  )
})

describe("fake daemon", () => {
  const versionOrNotFound = (req: { url?: string | undefined }, res: import("node:http").ServerResponse): void => {
    if (req.url === "/base/_ping") res.end("OK")
    else if (req.url === "/base/version") res.setHeader("Content-Type", "application/json").end('{"Version":"9.9.9"}')
    else res.writeHead(404).end("page not found")
  }

  it.scopedLive("puts api routes under the tcp host's base path, and not the hijack", () =>
    Effect.gen(function* () {
      const daemon = yield* fakeDaemon("tcp", versionOrNotFound)
      const client = yield* dockerClient(endpoint(`${daemon.host}/base`))
      yield* client.ping
      expect(yield* client.serverVersion).toBe("9.9.9")
      expect(yield* client.supportsGrpc({})).toBe(true)
      expect(daemon.requests).toEqual(["GET /base/_ping", "GET /base/version", "POST /grpc"])
    })
  )

  it.scopedLive("names the route of an error status without a body", () =>
    Effect.gen(function* () {
      const daemon = yield* fakeDaemon("tcp", (_req, res) => res.writeHead(500).end())
      const client = yield* dockerClient(endpoint(daemon.host))
      const error = failure(yield* Effect.exit(client.serverVersion))
      expect(error.reason).toBe("Http")
      expect(error.message).toBe(
        `request returned 500 Internal Server Error for API route and version http://${daemon.host.slice("tcp://".length)}/version, check if the server supports the requested API version`
      )
    })
  )

  it.scopedLive("says so when a json error has no message", () =>
    Effect.gen(function* () {
      const daemon = yield* fakeDaemon("unix", (_req, res) =>
        res.writeHead(500, { "Content-Type": "application/json" }).end('{"detail":"x"}')
      )
      const client = yield* dockerClient(endpoint(daemon.host))
      expect(failure(yield* Effect.exit(client.ping)).message).toBe(
        "Error response from daemon: API returned a 500 (Internal Server Error) but provided no error-message"
      )
    })
  )

  it.scopedLive("closes the upgraded connection once grpc support is known", () =>
    Effect.gen(function* () {
      const daemon = yield* fakeDaemon("unix", versionOrNotFound)
      const client = yield* dockerClient(endpoint(daemon.host))
      expect(yield* client.supportsGrpc({})).toBe(true)
      expect(daemon.upgraded).toHaveLength(1)
      yield* peerGoneWithin2s(daemon.upgraded[0] as Duplex)
    })
  )

  it.scopedLive("closes the first upgraded connection when the bridge cannot open", () =>
    Effect.gen(function* () {
      const daemon = yield* fakeDaemon("unix", versionOrNotFound)
      const client = yield* dockerClient(endpoint(daemon.host))
      // The bridge makes its folder under TMPDIR: a missing one fails it after the first upgrade succeeded.
      yield* withEnv({ TMPDIR: join(tmpdir(), `buildlens-missing-${process.pid}`, "tmp") })
      const scope = yield* Scope.make()
      const error = failure(yield* Effect.exit(client.grpcTarget({}).pipe(Scope.extend(scope))))
      expect(error.message).toMatch(/^opening the grpc bridge: ENOENT/)
      yield* Scope.close(scope, Exit.void)
      expect(daemon.upgraded).toHaveLength(1)
      yield* peerGoneWithin2s(daemon.upgraded[0] as Duplex)
    })
  )
})

describe("grpc", () => {
  it.scopedLive("sees the daemon accept the h2c upgrade, with and without dial meta", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(testDockerEndpoint())
      expect(yield* client.supportsGrpc({})).toBe(true)
      expect(yield* client.supportsGrpc({ "X-Buildlens-Test": ["a", "b"] })).toBe(true)
    })
  )

  it.scopedLive("reports no grpc for a daemon it cannot reach", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(endpoint(missingSocket()))
      expect(yield* client.supportsGrpc({})).toBe(false)
    })
  )

  it.scopedLive("reaches the daemon's buildkit through the bridge", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(testDockerEndpoint())
      const target = yield* client.grpcTarget({})
      expect(target.address).toMatch(/^unix:\/\/\//)
      const workers = yield* workersVia(target)
      expect(workers).toHaveLength(1)
      expect(workers[0]?.platforms).toEqual([
        { architecture: "amd64", os: "linux" },
        { architecture: "386", os: "linux" }
      ])
      // daemon.json of scripts/dockerd.sh enables GC with defaultKeepStorage: BuildKit 0.8 then has 4 rules.
      expect(workers[0]?.gcPolicy).toHaveLength(4)
      expect(workers[0]?.gcPolicy[3]?.all).toBe(true)
    })
  )

  it.scopedLive("carries plain HTTP/2 to buildkit through the bridge", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(testDockerEndpoint())
      const target = yield* client.grpcTarget({})
      const answer = yield* rawListWorkers(target.address.slice("unix://".length))
      expect(answer.status).toBe(200)
      expect(answer.grpcStatus).toBe("0")
      expect(answer.bytes).toBeGreaterThan(5)
    })
  )

  it.scopedLive("opens a new hijacked connection for every connection to the bridge", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(testDockerEndpoint())
      const target = yield* client.grpcTarget({ "X-Buildlens-Test": ["meta"] })
      const socketPath = target.address.slice("unix://".length)
      const answers = yield* Effect.all([rawListWorkers(socketPath), rawListWorkers(socketPath), workersVia(target)], {
        concurrency: "unbounded"
      })
      expect(answers[0].grpcStatus).toBe("0")
      expect(answers[1].grpcStatus).toBe("0")
      expect(answers[2]).toHaveLength(1)
    })
  )

  it.scopedLive("keeps the bridge in a private folder that is removed when the scope closes", () =>
    Effect.gen(function* () {
      const client = yield* dockerClient(testDockerEndpoint())
      const scope = yield* Scope.make()
      const target = yield* client.grpcTarget({}).pipe(Scope.extend(scope))
      const folder = dirname(target.address.slice("unix://".length))
      expect(((yield* Effect.promise(() => stat(folder))).mode & 0o777).toString(8)).toBe("700")
      expect((yield* Effect.promise(() => stat(target.address.slice("unix://".length)))).isSocket()).toBe(true)
      yield* Scope.close(scope, Exit.void)
      const gone = yield* Effect.promise(() =>
        stat(folder).then(
          () => false,
          (error) => error.code === "ENOENT"
        )
      )
      expect(gone).toBe(true)
    })
  )

  it.scopedLive("fails with a DockerApiError before opening a bridge", () =>
    Effect.gen(function* () {
      const host = missingSocket()
      const client = yield* dockerClient(endpoint(host))
      const error = failure(yield* Effect.exit(client.grpcTarget({})))
      expect(error.reason).toBe("NotFound")
      expect(error.message).toMatch(
        /^failed to connect to the docker API at unix:\/\/.*: connect: no such file or directory$/
      )
    })
  )
})

describe("tcp with tls", () => {
  const pki = makeTestPki()
  const tlsEndpoint = (port: number, rest: Partial<DockerEndpoint> = {}): DockerEndpoint =>
    endpoint(`tcp://127.0.0.1:${port}`, {
      tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
      ...rest
    })

  it.scopedLive("pings and reads the version with client certificates", () =>
    Effect.gen(function* () {
      const port = yield* tlsFront(pki, testDockerSocket())
      const client = yield* dockerClient(tlsEndpoint(port))
      yield* client.ping
      expect(yield* client.serverVersion).toBe("20.10.24+dfsg1")
    })
  )

  it.scopedLive("reaches buildkit through the tls hijack", () =>
    Effect.gen(function* () {
      const port = yield* tlsFront(pki, testDockerSocket())
      const client = yield* dockerClient(tlsEndpoint(port))
      expect(yield* client.supportsGrpc({})).toBe(true)
      const workers = yield* workersVia(yield* client.grpcTarget({}))
      expect(workers[0]?.gcPolicy).toHaveLength(4)
    })
  )

  it.scopedLive("fails verification against a CA that did not sign the server", () =>
    Effect.gen(function* () {
      const port = yield* tlsFront(pki, testDockerSocket())
      const material = { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey }
      const client = yield* dockerClient(tlsEndpoint(port, { tls: material }))
      const error = failure(yield* Effect.exit(client.ping))
      expect(error.reason).toBe("Tls")
      expect(error.message).toMatch(new RegExp(`^error during connect: Get "https://127\\.0\\.0\\.1:${port}/_ping": `))
      expect(yield* client.supportsGrpc({})).toBe(false)
    })
  )

  it.scopedLive("hints at client authentication when a tls 1.2 handshake fails for want of a certificate", () =>
    Effect.gen(function* () {
      const port = yield* tlsFront(pki, testDockerSocket(), { maxVersion: "TLSv1.2" })
      const client = yield* dockerClient(tlsEndpoint(port, { tls: { ca: pki.ca, cert: undefined, key: undefined } }))
      const error = failure(yield* Effect.exit(client.ping))
      expect(error.reason).toBe("Tls")
      expect(error.message).toBe(
        `the server probably has client authentication (--tlsverify) enabled; check your TLS client certification settings: Get "https://127.0.0.1:${port}/_ping": remote error: tls: handshake failure`
      )
    })
  )

  it.scopedLive("words tls 1.3's certificate-required alert as go does", () =>
    Effect.gen(function* () {
      const port = yield* tlsFront(pki, testDockerSocket())
      const client = yield* dockerClient(tlsEndpoint(port, { tls: { ca: pki.ca, cert: undefined, key: undefined } }))
      expect(failure(yield* Effect.exit(client.serverVersion)).message).toBe(
        `error during connect: Get "https://127.0.0.1:${port}/version": remote error: tls: certificate required`
      )
    })
  )

  it.scopedLive("skips verification when the endpoint says so", () =>
    Effect.gen(function* () {
      const port = yield* tlsFront(pki, testDockerSocket())
      const material = { ca: undefined, cert: pki.clientCert, key: pki.clientKey }
      const client = yield* dockerClient(tlsEndpoint(port, { tls: material, skipTLSVerify: true }))
      expect(yield* client.serverVersion).toBe("20.10.24+dfsg1")
    })
  )
})
