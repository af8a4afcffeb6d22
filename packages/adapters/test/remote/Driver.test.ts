/**
 * The remote DriverFactory: buildx's validation order and texts, Info as running / inactive against
 * the test BuildKit server, one client per driver, TLS from files (SPEC §4.3, §5.4, §6 47–48).
 */

import { BuildkitClientLive, buildkitClient } from "@buildlens/adapters/buildkit"
import { makeRemoteDriverFactory, RemoteDriverFactory, validateRemoteConfig } from "@buildlens/adapters/remote"
import type { DriverConfig, DriverError } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import * as grpc from "@grpc/grpc-js"
import { Effect, Exit, Logger, LogLevel, Scope } from "effect"
import { BuildkitTestServer, makeTestCertificates } from "../support/buildkit-server.js"

const factory = makeRemoteDriverFactory(buildkitClient)

const config = (endpoint: string, overrides: Partial<DriverConfig> = {}): DriverConfig => ({
  name: "buildx_buildkit_remote0",
  builder: "remote",
  node: { name: "remote0", endpoint, platforms: [], driverOpts: {}, buildkitdFlags: [], files: {} },
  endpoint,
  dockerApi: undefined,
  driverOpts: {},
  buildkitdFlags: [],
  files: {},
  platforms: [],
  dialMeta: {},
  ...overrides
})

const createError = (c: DriverConfig): Effect.Effect<DriverError, never, Scope.Scope> =>
  Effect.flip(factory.create(c)).pipe(Effect.orDieWith(() => new Error("expected create to fail")))

describe("priority", () => {
  it.effect("is 20 for a supported endpoint url and 90 otherwise", () =>
    Effect.gen(function* () {
      const probe = (endpoint: string) => factory.priority({ endpoint, dockerApi: undefined, dialMeta: {} })
      expect(yield* probe("tcp://buildkit:1234")).toBe(20)
      expect(yield* probe("unix:///run/buildkit/buildkitd.sock")).toBe(20)
      expect(yield* probe("ssh://me@host")).toBe(20)
      expect(yield* probe("default")).toBe(90)
      expect(yield* probe("http://x:1234")).toBe(90)
      expect(yield* probe("1.2.3.4:5555")).toBe(90)
    })
  )
})

describe("validation", () => {
  it("checks files first, then flags, then options", () => {
    const all = {
      endpoint: "tcp://h:1",
      files: { "buildkitd.toml": new Uint8Array([1]) },
      buildkitdFlags: ["--debug"],
      driverOpts: { bogus: "1" }
    }
    expect(validateRemoteConfig(all)).toBe("setting config file is not supported for remote driver")
    expect(validateRemoteConfig({ ...all, files: {} })).toBe(
      "setting buildkit flags is not supported for remote driver"
    )
    expect(validateRemoteConfig({ ...all, files: {}, buildkitdFlags: [] })).toBe(
      "invalid driver option bogus for remote driver"
    )
  })

  it("reports the first bad option in key order", () => {
    const opts = (driverOpts: Record<string, string>) =>
      validateRemoteConfig({ endpoint: "tcp://h:1", files: {}, buildkitdFlags: [], driverOpts })
    expect(opts({ zzz: "x", cacert: "ca.pem" })).toBe("non-absolute path 'ca.pem' provided for cacert")
    expect(opts({ key: "k.pem", cert: "/c.pem" })).toBe("non-absolute path 'k.pem' provided for key")
    expect(opts({ "default-load": "maybe", servername: "s" })).toBe(
      'strconv.ParseBool: parsing "maybe": invalid syntax'
    )
    expect(opts({ "default-load": "T", xyz: "1" })).toBe("invalid driver option xyz for remote driver")
  })

  it("lists the missing tls keys in buildx's order", () => {
    const opts = (driverOpts: Record<string, string>, endpoint = "tcp://h:1") =>
      validateRemoteConfig({ endpoint, files: {}, buildkitdFlags: [], driverOpts })
    expect(opts({ cert: "/c.pem" })).toBe("tls enabled, but missing keys cacert, key")
    expect(opts({ key: "/k.pem" })).toBe("tls enabled, but missing keys cacert, cert")
    expect(opts({ servername: "s" })).toBe("tls enabled, but missing keys cacert")
    expect(opts({ cacert: "/ca.pem", cert: "/c.pem" })).toBe("tls enabled, but missing keys key")
    // The server name is guessed from the endpoint before the keys are checked.
    expect(opts({ cacert: "/ca.pem" }, "tcp://h:abc")).toBe('parse "tcp://h:abc": invalid port ":abc" after host')
  })

  it("defaults the tls server name to the endpoint hostname", () => {
    expect(
      validateRemoteConfig({
        endpoint: "tcp://10.0.0.5:443",
        files: {},
        buildkitdFlags: [],
        driverOpts: { cacert: "/ca.pem", "default-load": "true" }
      })
    ).toEqual({ tls: { serverName: "10.0.0.5", caCert: "/ca.pem", cert: "", key: "" }, defaultLoad: true })
    expect(
      validateRemoteConfig({
        endpoint: "unix:///s",
        files: {},
        buildkitdFlags: [],
        driverOpts: { "default-load": "0" }
      })
    ).toEqual({ tls: undefined, defaultLoad: false })
  })

  it.scoped("fails create with a driver error carrying the node", () =>
    Effect.gen(function* () {
      const error = yield* createError(config("tcp://h:1", { driverOpts: { cacert: "ca.pem" } }))
      expect(error._tag).toBe("DriverError")
      expect(error.driver).toBe("remote")
      expect(error.node).toBe("remote0")
      expect(error.message).toBe("non-absolute path 'ca.pem' provided for cacert")
    })
  )

  it.scoped("refuses connection-helper endpoints for now", () =>
    Effect.gen(function* () {
      for (const endpoint of ["ssh://me@host", "docker-container://buildkitd", "kube-pod://buildkitd-0"]) {
        const error = yield* createError(config(endpoint))
        expect(error.message).toContain(`${endpoint.split(":")[0]}:// endpoints are not supported yet`)
      }
    })
  )

  it.scoped("still validates options before refusing a connection-helper endpoint", () =>
    Effect.gen(function* () {
      const error = yield* createError(config("ssh://me@host", { buildkitdFlags: ["--debug"] }))
      expect(error.message).toBe("setting buildkit flags is not supported for remote driver")
    })
  )
})

describe("driver", () => {
  it.scopedLive("is running when listworkers answers and shares its one connection", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ workers: [{ ID: "w0" }] })
      const driverScope = yield* Scope.make()
      const driver = yield* factory.create(config(server.address)).pipe(Scope.extend(driverScope))
      expect(yield* driver.info).toEqual({ status: "running", dynamicNodes: [] })
      const connection = yield* Effect.scoped(driver.client)
      expect((yield* connection.listWorkers).map((w) => w.id)).toEqual(["w0"])
      expect(yield* driver.version).toBe("")
      let stats = yield* server.stats
      expect(stats.connectionsOpened).toBe(1)
      expect(stats.calls.ListWorkers).toBe(2)
      // unix endpoints send no authority of their own; grpc falls back to localhost like grpc-go.
      expect(stats.authorities).toEqual(["localhost", "localhost"])
      yield* Scope.close(driverScope, Exit.void)
      yield* server.awaitNoConnections()
      stats = yield* server.stats
      expect(stats.connectionsOpen).toBe(0)
    })
  )

  it.scopedLive("sends the endpoint host as authority over tcp", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({ listen: "tcp" })
      const driver = yield* factory.create(config(server.address))
      expect((yield* driver.info).status).toBe("running")
      expect((yield* server.stats).authorities).toEqual([server.address.slice("tcp://".length)])
    })
  )

  it.scopedLive("is inactive when listworkers fails, and logs why at debug", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make({
        listWorkersError: { code: grpc.status.UNAVAILABLE, details: "shutting down" }
      })
      const logs: Array<string> = []
      const logger = Logger.make(({ annotations, logLevel, message }) => {
        logs.push(`${logLevel.label} ${String(message)} ${JSON.stringify(Object.fromEntries(annotations))}`)
      })
      const driver = yield* factory.create(config(server.address))
      const info = yield* driver.info.pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      )
      expect(info).toEqual({ status: "inactive", dynamicNodes: [] })
      expect(logs).toHaveLength(1)
      expect(logs[0]).toContain("DEBUG")
      expect(logs[0]).toContain('"cause":"failed to list workers: Unavailable: shutting down"')
      expect(logs[0]).toContain('"node":"remote0"')
    })
  )

  it.scopedLive("is inactive when nothing listens at the endpoint", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make()
      const driver = yield* factory.create(config(`${server.address}.gone`))
      expect((yield* driver.info).status).toBe("inactive")
      expect((yield* server.stats).connectionsOpened).toBe(0)
    })
  )

  it.scopedLive("is inactive for an npipe endpoint on unix", () =>
    Effect.gen(function* () {
      const driver = yield* factory.create(config("npipe:////./pipe/buildkitd"))
      expect((yield* driver.info).status).toBe("inactive")
    })
  )

  it.scoped("reports remote features with default-load from the options", () =>
    Effect.gen(function* () {
      const features = (driverOpts: Record<string, string>) =>
        Effect.flatMap(factory.create(config("unix:///nowhere.sock", { driverOpts })), (d) => d.features)
      const expected = {
        "OCI exporter": true,
        "Docker exporter": true,
        "Cache export": true,
        "Multi-platform build": true,
        "Direct push": true,
        "Automatically load images to the Docker Engine image store": false
      }
      expect(yield* features({})).toEqual(expected)
      expect(yield* features({ "default-load": "true" })).toEqual({
        ...expected,
        "Automatically load images to the Docker Engine image store": true
      })
    })
  )

  it.scopedLive("dials tls with the files and server name of the options", () =>
    Effect.gen(function* () {
      const certs = yield* makeTestCertificates()
      const server = yield* BuildkitTestServer.make({
        listen: "tcp",
        workers: [{ ID: "tls" }],
        tls: { key: certs.serverKey, cert: certs.serverCert, clientCa: certs.ca }
      })
      const driverOpts = {
        servername: certs.serverName,
        cacert: certs.caPath,
        cert: certs.clientCertPath,
        key: certs.clientKeyPath
      }
      const driver = yield* factory.create(config(server.address, { driverOpts }))
      expect((yield* driver.info).status).toBe("running")
      expect((yield* server.stats).authorities).toEqual([certs.serverName])
    })
  )

  it.scopedLive("is inactive when the server demands a client certificate it did not get", () =>
    Effect.gen(function* () {
      const certs = yield* makeTestCertificates()
      const server = yield* BuildkitTestServer.make({
        listen: "tcp",
        tls: { key: certs.serverKey, cert: certs.serverCert, clientCa: certs.ca }
      })
      const driverOpts = { servername: certs.serverName, cacert: certs.caPath }
      const driver = yield* factory.create(config(server.address, { driverOpts }))
      expect((yield* driver.info).status).toBe("inactive")
      expect((yield* server.stats).calls.ListWorkers).toBe(0)
    })
  )

  it.scopedLive("surfaces unreadable tls files on the first rpc, not at create", () =>
    Effect.gen(function* () {
      const certs = yield* makeTestCertificates()
      const missing = `${certs.dir}/missing-ca.pem`
      const driver = yield* factory.create(config(`unix://${certs.dir}/none.sock`, { driverOpts: { cacert: missing } }))
      expect((yield* driver.info).status).toBe("inactive")
      const connection = yield* Effect.scoped(driver.client)
      const error = yield* Effect.flip(connection.listWorkers)
      expect(error.code).toBe("UNAVAILABLE")
      expect(error.detail).toBe(
        `failed to list workers: Unavailable: connection error: desc = "transport: Error while dialing: error loading tls config: could not read ca certificate: open ${missing}: no such file or directory"`
      )
    })
  )

  it.scopedLive("rejects a ca file without certificates like go's cert pool", () =>
    Effect.gen(function* () {
      const certs = yield* makeTestCertificates()
      // A private key is PEM but holds no certificate.
      const driver = yield* factory.create(
        config(`unix://${certs.dir}/none.sock`, { driverOpts: { cacert: certs.clientKeyPath, servername: "x" } })
      )
      const connection = yield* Effect.scoped(driver.client)
      const error = yield* Effect.flip(connection.info)
      expect(error.detail).toBe(
        'failed to call info: Unavailable: connection error: desc = "transport: Error while dialing: error loading tls config: failed to append ca certs"'
      )
    })
  )
})

describe("RemoteDriverFactory", () => {
  it.scopedLive("takes the buildkit client from the context", () =>
    Effect.gen(function* () {
      const server = yield* BuildkitTestServer.make()
      const remote = yield* RemoteDriverFactory
      expect(remote.name).toBe("remote")
      expect(remote.allowsInstances).toBe(true)
      const driver = yield* remote.create(config(server.address))
      expect((yield* driver.info).status).toBe("running")
    }).pipe(Effect.provide(BuildkitClientLive))
  )
})
