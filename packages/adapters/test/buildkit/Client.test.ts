/**
 * The grpc-js BuildkitClient against the test BuildKit server, over real gRPC on unix sockets and
 * loopback TCP: mappings of every field, error texts as buildx prints them, and channel lifetimes.
 */

import { BuildkitClientLive, connect, toBuildkitError } from "@buildlens/adapters/buildkit"
import { BuildkitClient } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import * as grpc from "@grpc/grpc-js"
import { Effect, Exit } from "effect"
import { BuildkitTestServer, makeTestCertificates } from "../support/buildkit-server.js"
import { closedPort, failure } from "../support/effects.js"

describe("listWorkers", () => {
  it.scopedLive("maps every field of several workers in order", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({
        workers: [
          {
            ID: "w1",
            Labels: {
              "org.mobyproject.buildkit.worker.executor": "oci",
              "org.mobyproject.buildkit.worker.hostname": "h"
            },
            platforms: [
              { Architecture: "amd64", OS: "linux" },
              { Architecture: "arm", OS: "linux", Variant: "v7" }
            ],
            GCPolicy: [
              {
                all: false,
                filters: ["type==source.local", "type==exec.cachemount"],
                keepDuration: 172_800_000_000_000,
                maxUsedSpace: 512_000_000
              },
              { all: true, reservedSpace: 20_000_000_000, maxUsedSpace: 26_000_000_000, minFreeSpace: 5_000_000_000 }
            ],
            CDIDevices: [{ Name: "vendor.com/gpu=0", AutoAllow: true, Annotations: { a: "1" } }]
          },
          {
            ID: "w2",
            platforms: [{ Architecture: "amd64", OS: "windows", OSVersion: "10.0.17763", OSFeatures: ["win32k"] }],
            CDIDevices: [
              { Name: "vendor.com/gpu=all", OnDemand: true },
              { Name: "vendor.com/fpga=1", Annotations: { "x.y/z": "v", b: "" } }
            ]
          }
        ]
      })
      const connection = yield* connect({ address: server.address })
      const workers = yield* connection.listWorkers
      expect(workers).toEqual([
        {
          id: "w1",
          labels: {
            "org.mobyproject.buildkit.worker.executor": "oci",
            "org.mobyproject.buildkit.worker.hostname": "h"
          },
          platforms: [
            { architecture: "amd64", os: "linux" },
            { architecture: "arm", os: "linux", variant: "v7" }
          ],
          gcPolicy: [
            {
              all: false,
              filter: ["type==source.local", "type==exec.cachemount"],
              keepDuration: 172_800_000_000_000,
              reservedSpace: 0,
              maxUsedSpace: 512_000_000,
              minFreeSpace: 0
            },
            {
              all: true,
              filter: [],
              keepDuration: 0,
              reservedSpace: 20_000_000_000,
              maxUsedSpace: 26_000_000_000,
              minFreeSpace: 5_000_000_000
            }
          ],
          cdiDevices: [{ name: "vendor.com/gpu=0", autoAllow: true, onDemand: false, annotations: { a: "1" } }]
        },
        {
          id: "w2",
          labels: {},
          platforms: [{ architecture: "amd64", os: "windows", "os.version": "10.0.17763", "os.features": ["win32k"] }],
          gcPolicy: [],
          cdiDevices: [
            { name: "vendor.com/gpu=all", autoAllow: false, onDemand: true, annotations: {} },
            { name: "vendor.com/fpga=1", autoAllow: false, onDemand: false, annotations: { "x.y/z": "v", b: "" } }
          ]
        }
      ])
      // Optional platform fields are absent, not empty strings, so the objects equal the store's.
      expect(Object.keys(workers[0]?.platforms[0] ?? {})).toEqual(["architecture", "os"])
    })
  )

  it.scopedLive("returns no workers for an empty record list", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ workers: [] })
      const connection = yield* connect({ address: server.address })
      expect(yield* connection.listWorkers).toEqual([])
    })
  )

  it.scopedLive("keeps gc sizes above 2^32 exact", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({
        workers: [{ ID: "w", GCPolicy: [{ reservedSpace: 3_298_534_883_328, keepDuration: 5_184_000_000_000_000 }] }]
      })
      const connection = yield* connect({ address: server.address })
      const [worker] = yield* connection.listWorkers
      expect(worker?.gcPolicy[0]?.reservedSpace).toBe(3_298_534_883_328)
      expect(worker?.gcPolicy[0]?.keepDuration).toBe(5_184_000_000_000_000)
    })
  )

  it.scopedLive("prefixes a server status with failed to list workers and the go code name", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({
        listWorkersError: { code: grpc.status.PERMISSION_DENIED, details: "not allowed" }
      })
      const connection = yield* connect({ address: server.address })
      const error = failure(yield* Effect.exit(connection.listWorkers))
      expect(error.code).toBe("PERMISSION_DENIED")
      expect(error.detail).toBe("failed to list workers: PermissionDenied: not allowed")
      expect(error.message).toBe(error.detail)
      expect(error.endpoint).toBe(server.address)
    })
  )

  it.scopedLive("prints an unknown status as its bare message", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({
        listWorkersError: { code: grpc.status.UNKNOWN, details: "worker exploded" }
      })
      const connection = yield* connect({ address: server.address })
      const error = failure(yield* Effect.exit(connection.listWorkers))
      expect(error.code).toBe("UNKNOWN")
      expect(error.detail).toBe("failed to list workers: worker exploded")
    })
  )

  it.scopedLive("words a missing unix socket as go's dialer does", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make()
      const missing = `${server.address}.missing`
      const connection = yield* connect({ address: missing })
      const error = failure(yield* Effect.exit(connection.listWorkers))
      expect(error.code).toBe("UNAVAILABLE")
      expect(error.detail).toBe(
        `failed to list workers: Unavailable: connection error: desc = "transport: Error while dialing: dial unix ${missing.slice("unix://".length)}: connect: no such file or directory"`
      )
    })
  )

  it.scopedLive("words a refused tcp connection as go's dialer does", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const connection = yield* connect({ address: `tcp://127.0.0.1:${port}` })
      const error = failure(yield* Effect.exit(connection.listWorkers))
      expect(error.code).toBe("UNAVAILABLE")
      expect(error.detail).toBe(
        `failed to list workers: Unavailable: connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:${port}: connect: connection refused"`
      )
    })
  )

  it.scopedLive("fails lazily for addresses it cannot dial", () =>
    Effect.gen(function* () {
      const npipe = yield* connect({ address: "npipe:////./pipe/buildkitd" })
      expect(failure(yield* Effect.exit(npipe.listWorkers)).detail).toBe(
        'failed to list workers: Unavailable: connection error: desc = "transport: Error while dialing: dial npipe: unknown network npipe"'
      )
      const noScheme = yield* connect({ address: "buildkitd.sock" })
      expect(failure(yield* Effect.exit(noScheme.info)).detail).toBe(
        'failed to call info: Unavailable: connection error: desc = "transport: Error while dialing: invalid endpoint address: buildkitd.sock"'
      )
      const noPort = yield* connect({ address: "tcp://127.0.0.1" })
      expect(failure(yield* Effect.exit(noPort.listWorkers)).code).toBe("UNAVAILABLE")
      expect(failure(yield* Effect.exit(noPort.listWorkers)).detail).toContain("missing port in address")
    })
  )
})

describe("info", () => {
  it.scopedLive("returns the buildkit version", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({
        info: { package: "github.com/moby/buildkit", version: "v0.12.5", revision: "bc26045" }
      })
      const connection = yield* connect({ address: server.address })
      expect(yield* connection.info).toEqual({
        package: "github.com/moby/buildkit",
        version: "v0.12.5",
        revision: "bc26045"
      })
    })
  )

  it.scopedLive("reports unimplemented when the daemon predates the info rpc", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ info: "unimplemented" })
      const connection = yield* connect({ address: server.address })
      const error = failure(yield* Effect.exit(connection.info))
      expect(error.code).toBe("UNIMPLEMENTED")
      expect(error.detail).toMatch(/^failed to call info: Unimplemented: /)
      // ListWorkers on the same connection still works.
      expect(yield* connection.listWorkers).toEqual([])
    })
  )

  it.scopedLive("reports other status codes with their own code", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ info: { code: grpc.status.INTERNAL, details: "boom" } })
      const connection = yield* connect({ address: server.address })
      const error = failure(yield* Effect.exit(connection.info))
      expect(error.code).toBe("INTERNAL")
      expect(error.detail).toBe("failed to call info: Internal: boom")
    })
  )
})

describe("connection lifetime", () => {
  it.scopedLive("uses one connection for several calls and closes it with the scope", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ workers: [{ ID: "w" }] })
      yield* Effect.scoped(
        Effect.gen(function* () {
          const connection = yield* connect({ address: server.address })
          yield* connection.listWorkers
          yield* connection.info
          yield* connection.listWorkers
          expect((yield* server.stats).connectionsOpen).toBe(1)
        })
      )
      yield* server.awaitNoConnections()
      const stats = yield* server.stats
      expect(stats.connectionsOpened).toBe(1)
      expect(stats.calls).toEqual({ ListWorkers: 2, Info: 1 })
    })
  )

  it.scopedLive("cancels a slow call on interruption and closes the connection", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ delays: { listWorkers: "30 seconds" } })
      const started = Date.now()
      const result = yield* Effect.scoped(
        Effect.flatMap(connect({ address: server.address }), (connection) => connection.listWorkers)
      ).pipe(Effect.timeout("300 millis"), Effect.exit)
      expect(Exit.isFailure(result)).toBe(true)
      expect(Date.now() - started).toBeLessThan(5_000)
      yield* server.awaitNoConnections()
      const stats = yield* server.stats
      expect(stats.calls.ListWorkers).toBe(1)
      expect(stats.cancelled).toBe(1)
    })
  )

  it.scopedLive("answers a slow call that finishes in time", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({
        delays: { info: "200 millis" },
        info: { version: "v0.20.0" }
      })
      const connection = yield* connect({ address: server.address })
      const started = Date.now()
      const info = yield* connection.info
      expect(info.version).toBe("v0.20.0")
      expect(Date.now() - started).toBeGreaterThanOrEqual(150)
      // An answered call is not counted as abandoned, even once its stream closes.
      yield* connection.listWorkers
      expect((yield* server.stats).cancelled).toBe(0)
    })
  )

  it.scopedLive("closes the channel when interrupted while the server is unreachable", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const exit = yield* Effect.scoped(
        Effect.flatMap(connect({ address: `tcp://127.0.0.1:${port}` }), (c) => c.listWorkers)
      ).pipe(Effect.timeout("2 seconds"), Effect.exit)
      // A refused dial is answered at once (fail fast), not after the timeout.
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("BuildkitError")
    })
  )
})

describe("targets", () => {
  it.scopedLive("sends the url host as authority over tcp", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ listen: "tcp" })
      const connection = yield* connect({ address: server.address })
      yield* connection.listWorkers
      expect((yield* server.stats).authorities).toEqual([server.address.slice("tcp://".length)])
    })
  )

  it.scopedLive("sends a given authority instead of the url host", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ listen: "tcp" })
      const connection = yield* connect({ address: server.address, authority: "buildkit.example.com" })
      yield* connection.listWorkers
      expect((yield* server.stats).authorities).toEqual(["buildkit.example.com"])
    })
  )

  it.scopedLive("speaks mutual tls with the server name as authority", () =>
    Effect.gen(function* () {
      const certs = yield* makeTestCertificates()
      const server = yield* BuildkitTestServer.make({
        listen: "tcp",
        workers: [{ ID: "tls-worker" }],
        tls: { key: certs.serverKey, cert: certs.serverCert, clientCa: certs.ca }
      })
      const connection = yield* connect({
        address: server.address,
        tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, serverName: certs.serverName }
      })
      expect((yield* connection.listWorkers).map((w) => w.id)).toEqual(["tls-worker"])
      expect((yield* server.stats).authorities).toEqual([certs.serverName])
    })
  )

  it.scopedLive("fails with unavailable when the server certificate does not match", () =>
    Effect.gen(function* () {
      const certs = yield* makeTestCertificates()
      const server = yield* BuildkitTestServer.make({
        listen: "tcp",
        tls: { key: certs.serverKey, cert: certs.serverCert }
      })
      const connection = yield* connect({ address: server.address, tls: { ca: certs.ca, serverName: "other.test" } })
      const error = failure(yield* Effect.exit(connection.listWorkers))
      expect(error.code).toBe("UNAVAILABLE")
      expect(error.detail).toMatch(/^failed to list workers: Unavailable: connection error: desc = /)
    })
  )
})

describe("BuildkitClientLive", () => {
  it.scopedLive("provides the client as the BuildkitClient port", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ workers: [{ ID: "a" }, { ID: "b" }] })
      const client = yield* BuildkitClient
      const connection = yield* client.connect({ address: server.address })
      expect((yield* connection.listWorkers).map((w) => w.id)).toEqual(["a", "b"])
    }).pipe(Effect.provide(BuildkitClientLive))
  )
})

describe("toBuildkitError", () => {
  it("spells go's code names", () => {
    const detail = (code: grpc.status): string =>
      toBuildkitError({ endpoint: "e", network: "unix", prefix: "", cause: { code, details: "d" } }).detail
    expect(detail(grpc.status.CANCELLED)).toBe("Canceled: d")
    expect(detail(grpc.status.DEADLINE_EXCEEDED)).toBe("DeadlineExceeded: d")
    expect(detail(grpc.status.FAILED_PRECONDITION)).toBe("FailedPrecondition: d")
    expect(detail(grpc.status.UNAUTHENTICATED)).toBe("Unauthenticated: d")
    expect(detail(grpc.status.OK)).toBe("d")
  })

  it("maps a non-status failure to unknown and keeps the cause", () => {
    const cause = new Error("serializer broke")
    const error = toBuildkitError({ endpoint: "e", network: "unix", prefix: "p: ", cause })
    expect(error.code).toBe("UNKNOWN")
    expect(error.detail).toBe("p: serializer broke")
    expect(error.cause).toBe(cause)
  })
})
