/**
 * The docker driver factory: its buildx validation errors, its priority probe, and a driver instance
 * against the private dockerd of `npm test` (status, version table, BuildKit client, features).
 */
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildkitClient } from "@buildlens/adapters/buildkit"
import { DockerDriverFactory, dockerClient, dockerDriverFactory } from "@buildlens/adapters/docker"
import { BuildkitClient, type DockerClient, type DriverConfig, type DriverError } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { BuildkitTestServer, type BuildkitTestServerOptions } from "../support/buildkit-server.js"
import { testDockerEndpoint } from "../support/dockerd.js"

const factory = dockerDriverFactory(buildkitClient)

const config = (dockerApi: DockerClient | undefined, rest: Partial<DriverConfig> = {}): DriverConfig => ({
  name: "buildx_buildkit_default",
  builder: "default",
  node: { name: "default", endpoint: "default", platforms: [], driverOpts: {}, buildkitdFlags: [], files: {} },
  endpoint: "default",
  dockerApi,
  driverOpts: {},
  buildkitdFlags: [],
  files: {},
  platforms: [],
  dialMeta: {},
  ...rest
})

const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${String(exit.value)}`)
  if (exit.cause._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return exit.cause.error
}

/** A DockerClient whose `/grpc` target is a test BuildKit server (the daemon calls are never used here). */
const fakeApi = (options: BuildkitTestServerOptions) =>
  Effect.map(
    BuildkitTestServer.make(options),
    (server): DockerClient => ({
      endpoint: { host: "unix:///nowhere.sock", skipTLSVerify: false, tls: undefined },
      ping: Effect.void,
      serverVersion: Effect.succeed("27.0.0"),
      supportsGrpc: () => Effect.succeed(true),
      grpcTarget: () => Effect.succeed({ address: server.address })
    })
  )

const unreachableHost = `unix://${join(tmpdir(), `buildlens-missing-${process.pid}`, "docker.sock")}`

describe("docker driver factory", () => {
  it("is named docker and cannot be a store instance", () => {
    expect(factory.name).toBe("docker")
    expect(factory.allowsInstances).toBe(false)
  })

  it.effect("reads the BuildkitClient from context", () =>
    Effect.gen(function* () {
      const fromContext = yield* DockerDriverFactory.pipe(Effect.provideService(BuildkitClient, buildkitClient))
      expect(fromContext.name).toBe("docker")
    })
  )

  it.effect("needs a docker API", () =>
    Effect.gen(function* () {
      const error = failure(yield* Effect.exit(Effect.scoped(factory.create(config(undefined))))) as DriverError
      expect(error.message).toBe("docker driver requires docker API access")
      expect(error.driver).toBe("docker")
    })
  )

  it.scoped("refuses config files", () =>
    Effect.gen(function* () {
      const api = yield* dockerClient(testDockerEndpoint())
      const files = { "buildkitd.toml": new TextEncoder().encode("debug = true\n") }
      const error = failure(yield* Effect.exit(factory.create(config(api, { files }))))
      expect(error.message).toBe(
        "setting config file is not supported for docker driver, use dockerd configuration file"
      )
    })
  )

  it.scopedLive("has priority 10 for a daemon that accepts /grpc", () =>
    Effect.gen(function* () {
      const api = yield* dockerClient(testDockerEndpoint())
      expect(yield* factory.priority({ endpoint: "default", dockerApi: api, dialMeta: {} })).toBe(10)
    })
  )

  it.scopedLive("has priority 99 without a docker API or without an answering daemon", () =>
    Effect.gen(function* () {
      expect(yield* factory.priority({ endpoint: "default", dockerApi: undefined, dialMeta: {} })).toBe(99)
      const api = yield* dockerClient({ host: unreachableHost, skipTLSVerify: false, tls: undefined })
      expect(yield* factory.priority({ endpoint: "default", dockerApi: api, dialMeta: {} })).toBe(99)
    })
  )
})

describe("docker driver", () => {
  it.scopedLive("is running when the daemon answers /version", () =>
    Effect.gen(function* () {
      const driver = yield* factory.create(config(yield* dockerClient(testDockerEndpoint())))
      expect(driver.factory).toBe("docker")
      expect(yield* driver.info).toEqual({ status: "running", dynamicNodes: [] })
    })
  )

  it.scopedLive("wraps a daemon failure as driver not connecting", () =>
    Effect.gen(function* () {
      const api = yield* dockerClient({ host: unreachableHost, skipTLSVerify: false, tls: undefined })
      const driver = yield* factory.create(config(api))
      const socket = unreachableHost.slice("unix://".length)
      const expected = `failed to connect to the docker API at ${unreachableHost}; check if the path is correct and if the daemon is running: dial unix ${socket}: connect: no such file or directory: driver not connecting`
      expect(failure(yield* Effect.exit(driver.info)).message).toBe(expected)
      expect(failure(yield* Effect.exit(driver.version)).message).toBe(expected)
    })
  )

  it.scopedLive("maps moby 20.10.24 to the buildkit version of the ~20.10 row", () =>
    Effect.gen(function* () {
      const driver = yield* factory.create(config(yield* dockerClient(testDockerEndpoint())))
      expect(yield* driver.version).toBe("v0.8+unknown")
    })
  )

  it.scopedLive("lists the daemon's workers through its client", () =>
    Effect.gen(function* () {
      const driver = yield* factory.create(config(yield* dockerClient(testDockerEndpoint())))
      const connection = yield* driver.client
      const workers = yield* connection.listWorkers
      expect(workers.map((worker) => worker.platforms.map((p) => `${p.os}/${p.architecture}`))).toEqual([
        ["linux/amd64", "linux/386"]
      ])
      expect(workers[0]?.gcPolicy).toHaveLength(4)
    })
  )

  it.scopedLive("reports features without the containerd snapshotter as buildx does", () =>
    Effect.gen(function* () {
      const driver = yield* factory.create(config(yield* dockerClient(testDockerEndpoint())))
      expect(yield* driver.features).toEqual({
        "Automatically load images to the Docker Engine image store": true,
        "Cache export": false,
        "Direct push": false,
        "Docker exporter": false,
        "Multi-platform build": false,
        "OCI exporter": false,
        "Prefer image digest": false
      })
    })
  )

  it.scopedLive("turns the snapshotter-dependent features on when a worker has the snapshotter label", () =>
    Effect.gen(function* () {
      const api = yield* fakeApi({
        workers: [{ ID: "a" }, { ID: "b", Labels: { "org.mobyproject.buildkit.worker.snapshotter": "overlayfs" } }]
      })
      const features = yield* (yield* factory.create(config(api))).features
      expect(Object.entries(features).filter(([, on]) => !on)).toEqual([])
      expect(Object.keys(features)).toHaveLength(7)
    })
  )

  it.scopedLive("reports the snapshotter-dependent features off when listing workers fails", () =>
    Effect.gen(function* () {
      const api = yield* fakeApi({
        workers: [{ ID: "b", Labels: { "org.mobyproject.buildkit.worker.snapshotter": "overlayfs" } }],
        listWorkersError: { code: 14, details: "down" }
      })
      const features = yield* (yield* factory.create(config(api))).features
      expect(Object.entries(features).filter(([, on]) => on)).toEqual([
        ["Automatically load images to the Docker Engine image store", true]
      ])
    })
  )
})
