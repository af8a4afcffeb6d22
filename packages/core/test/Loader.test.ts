import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, FiberRef, Layer, Ref } from "effect"
import {
  type Builder,
  CurrentDeadline,
  DriverError,
  loadNodes,
  nodeStatus,
  plannedDriverFactory
} from "../src/index.js"
import {
  factories,
  fakeFactory,
  grpcFailure,
  makeTally,
  memoryContexts,
  memoryDocker,
  storedGroup,
  type Tally,
  worker
} from "./support/memory.js"

const builderOf = (nodeGroup: ReturnType<typeof storedGroup>, dockerContext = false): Builder => ({
  name: nodeGroup.name,
  driver: nodeGroup.driver,
  nodeGroup,
  dockerContext,
  lastActivity: undefined,
  nodes: undefined,
  error: undefined
})

const world = (tally: Tally, outcomes: Parameters<typeof fakeFactory>[1], reachable: ReadonlyArray<string> = []) =>
  Layer.mergeAll(factories(fakeFactory("fake", outcomes, tally)), memoryDocker(reachable), memoryContexts([]))

const gc = {
  all: false,
  filter: ["type==source.local"],
  keepDuration: 1,
  reservedSpace: 2,
  maxUsedSpace: 3,
  minFreeSpace: 4
}
const device = (name: string) => ({ name, autoAllow: true, onDemand: false, annotations: {} })

describe("loadNodes", () => {
  it.effect("joins a running node with its workers as buildx does", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const group = storedGroup("b", "fake", [{ name: "b0", endpoint: "tcp://a:1", platforms: ["linux/arm64"] }])
      const workers = [
        worker("zz", ["linux/amd64", "linux/arm64"], {
          labels: { a: "1" },
          gcPolicy: [gc],
          cdiDevices: [device("d0")]
        }),
        worker("aa", ["linux/386", "linux/amd64"], { labels: { b: "2" }, cdiDevices: [device("d1")] })
      ]
      const loaded = yield* loadNodes(builderOf(group), { data: true, proxyConfig: { HTTP_PROXY: "p" } }).pipe(
        Effect.provide(world(tally, { "tcp://a:1": { workers, buildkitInfo: "v0.13.2" } }))
      )
      const node = loaded.nodes[0]
      expect(loaded.error).toBeUndefined()
      expect(node?.error).toBeUndefined()
      expect(node && nodeStatus(node)).toBe("running")
      expect(node?.version).toBe("v0.13.2")
      expect(node?.ids).toEqual(["aa", "zz"])
      expect(node?.platforms.map((p) => `${p.os}/${p.architecture}`)).toEqual([
        "linux/arm64",
        "linux/amd64",
        "linux/386"
      ])
      expect(node?.labels).toEqual({ a: "1" })
      expect(node?.gcPolicy).toEqual([gc])
      expect(node?.cdiDevices.map((d) => d.name)).toEqual(["d1"])
      expect(node?.proxyConfig).toEqual({ HTTP_PROXY: "p" })
      expect([yield* Ref.get(tally.opened), yield* Ref.get(tally.closed)]).toEqual([1, 1])
    })
  )

  it.effect("uses the driver version only when the Info rpc is unimplemented", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const group = storedGroup("b", "fake", [
        { name: "old", endpoint: "tcp://old:1" },
        { name: "broken", endpoint: "tcp://broken:1" },
        { name: "noversion", endpoint: "tcp://noversion:1" }
      ])
      const loaded = yield* loadNodes(builderOf(group), { data: true }).pipe(
        Effect.provide(
          world(tally, {
            "tcp://old:1": {
              buildkitInfo: grpcFailure("UNIMPLEMENTED", "unknown method Info"),
              driverVersion: "v0.8+unknown"
            },
            "tcp://broken:1": { buildkitInfo: grpcFailure("INTERNAL", "boom") },
            "tcp://noversion:1": {
              buildkitInfo: grpcFailure("UNIMPLEMENTED", "unknown method Info"),
              driverVersion: DriverError.make({ driver: "fake", detail: "exit code 1" })
            }
          })
        )
      )
      const [old, broken, noversion] = loaded.nodes
      expect(old?.version).toBe("v0.8+unknown")
      expect(old?.error).toBeUndefined()
      expect(broken?.version).toBe("")
      expect(broken?.error).toBeUndefined()
      expect(noversion?.error?.message).toBe("getting version: exit code 1")
      expect(noversion && nodeStatus(noversion)).toBe("error")
    })
  )

  it.effect("keeps driver info when listing workers fails and prefixes the error", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const group = storedGroup("b", "fake", [{ name: "n", endpoint: "tcp://n:1" }])
      const loaded = yield* loadNodes(builderOf(group), { data: true }).pipe(
        Effect.provide(
          world(tally, { "tcp://n:1": { workers: grpcFailure("UNAVAILABLE", "failed to list workers: gone") } })
        )
      )
      const node = loaded.nodes[0]
      expect(node?.driverInfo?.status).toBe("running")
      expect(node?.error?.message).toBe("listing workers: failed to list workers: gone")
      expect([yield* Ref.get(tally.opened), yield* Ref.get(tally.closed)]).toEqual([1, 1])
    })
  )

  it.effect("opens no BuildKit client for a node that is not running", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const group = storedGroup("b", "fake", [{ name: "n", endpoint: "tcp://n:1", platforms: ["linux/amd64"] }])
      const loaded = yield* loadNodes(builderOf(group), { data: true }).pipe(
        Effect.provide(world(tally, { "tcp://n:1": { info: { status: "inactive", dynamicNodes: [] } } }))
      )
      const node = loaded.nodes[0]
      expect(node && nodeStatus(node)).toBe("inactive")
      expect(node?.platforms).toEqual([{ os: "linux", architecture: "amd64" }])
      expect(yield* Ref.get(tally.opened)).toBe(0)
    })
  )

  it.effect("fails the builder with one zero node per stored node when the driver is unknown", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const group = storedGroup("b", "nosuch", [
        { name: "n0", endpoint: "tcp://n:1" },
        { name: "n1", endpoint: "tcp://n:2" }
      ])
      const loaded = yield* loadNodes(builderOf(group), { data: true }).pipe(Effect.provide(world(tally, {})))
      expect(loaded.error?.message).toBe('failed to find driver "nosuch"')
      expect(loaded.nodes.map((n) => [n.name, n.endpoint])).toEqual([
        ["", ""],
        ["", ""]
      ])
    })
  )

  it.effect("refuses a store instance of a driver that allows none", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const group = storedGroup("b", "docker", [{ name: "n0", endpoint: "tcp://n:1" }])
      const loaded = yield* loadNodes(builderOf(group), { data: true }).pipe(
        Effect.provide(
          Layer.mergeAll(
            factories(fakeFactory("docker", {}, tally, { allowsInstances: false })),
            memoryDocker([]),
            memoryContexts([])
          )
        )
      )
      expect(loaded.error?.message).toBe('additional instances of driver "docker" cannot be created')
    })
  )

  it.effect("pings a context builder's daemon and picks the lowest priority driver", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const layer = (reachable: ReadonlyArray<string>) =>
        Layer.mergeAll(
          factories(
            fakeFactory("slow", {}, tally, { priority: 30 }),
            fakeFactory("docker", {}, tally, { priority: 10, allowsInstances: false }),
            fakeFactory("remote", {}, tally, { priority: 90 })
          ),
          memoryDocker(reachable),
          memoryContexts([], { defaultHost: "unix:///run/d.sock" })
        )
      const group = storedGroup("default", "", [{ name: "default", endpoint: "default" }])
      const up = yield* loadNodes(builderOf(group, true), { data: true }).pipe(
        Effect.provide(layer(["unix:///run/d.sock"]))
      )
      expect(up.driver).toBe("docker")
      expect(up.nodes[0]?.driver).toBe("docker")
      const down = yield* loadNodes(builderOf(group, true), { data: true }).pipe(Effect.provide(layer([])))
      expect(down.driver).toBe("")
      expect(down.error?.message).toBe(
        "Cannot connect to the Docker daemon at unix:///run/d.sock. Is the docker daemon running?"
      )
    })
  )

  it.effect("keeps one node's failure on that node only", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const group = storedGroup("b", "fake", [
        { name: "bad", endpoint: "not a host" },
        { name: "refused", endpoint: "tcp://refused:1" },
        { name: "good", endpoint: "tcp://good:1" }
      ])
      const loaded = yield* loadNodes(builderOf(group), { data: true }).pipe(
        Effect.provide(
          world(tally, {
            "tcp://refused:1": { create: DriverError.make({ driver: "fake", detail: "invalid driver option x" }) }
          })
        )
      )
      expect(loaded.nodes.map((n) => n.name)).toEqual(["bad", "refused", "good"])
      expect(loaded.nodes.map((n) => n.error?.message)).toEqual([
        "unable to parse docker host `not a host`",
        "invalid driver option x",
        undefined
      ])
      expect(loaded.nodes[2]?.version).toBe("v0.99.0")
    })
  )

  it.effect("runs every node at once", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const latch = yield* Effect.makeLatch(false)
      const size = 5
      // Each node waits until all have reached Info: a sequential loader would deadlock here.
      const gate = Effect.gen(function* () {
        if ((yield* Ref.get(tally.infoCalls)) === size) {
          yield* latch.open
        }
        yield* latch.await
      })
      const nodes = Array.from({ length: size }, (_, i) => ({ name: `n${i}`, endpoint: `tcp://n:${i}` }))
      const outcomes = Object.fromEntries(nodes.map((n) => [n.endpoint, { gate }]))
      const loaded = yield* loadNodes(builderOf(storedGroup("b", "fake", nodes)), { data: true }).pipe(
        Effect.provide(world(tally, outcomes)),
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("nodes were loaded one at a time") })
      )
      expect(loaded.nodes.every((n) => n.error === undefined)).toBe(true)
    })
  )

  // Live clock: the deadline is a real instant, as the CLI computes it.
  it.live("gives a node that outlives the deadline a deadline error and closes its client", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const group = storedGroup("b", "fake", [
        { name: "stuck", endpoint: "tcp://stuck:1" },
        { name: "fine", endpoint: "tcp://fine:1" }
      ])
      const now = yield* Clock.currentTimeMillis
      const loaded = yield* loadNodes(builderOf(group), { data: true, deadline: now + 200 }).pipe(
        Effect.provide(world(tally, { "tcp://stuck:1": { workersGate: Effect.never } }))
      )
      expect(loaded.nodes.map((n) => n.error?.message)).toEqual(["context deadline exceeded", undefined])
      // The stuck node had opened its client before the deadline: it is closed all the same.
      expect([yield* Ref.get(tally.opened), yield* Ref.get(tally.closed)]).toEqual([2, 2])
      expect(loaded.nodes[0]?.driverInfo?.status).toBe("running")
    })
  )

  it.effect("hands the deadline to every driver call so adapters can word its expiry", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const seen = yield* Ref.make<ReadonlyArray<number | undefined>>([])
      const record = Effect.flatMap(FiberRef.get(CurrentDeadline), (d) => Ref.update(seen, (all) => [...all, d]))
      const group = storedGroup("b", "fake", [{ name: "n", endpoint: "tcp://n:1" }])
      yield* loadNodes(builderOf(group), { data: true, deadline: 4_000_000 }).pipe(
        Effect.provide(world(tally, { "tcp://n:1": { gate: record, workersGate: record } }))
      )
      yield* loadNodes(builderOf(group), { data: true }).pipe(
        Effect.provide(world(tally, { "tcp://n:1": { gate: record } }))
      )
      expect(yield* Ref.get(seen)).toEqual([4_000_000, 4_000_000, undefined])
    })
  )

  it.effect("replaces static nodes by dynamic ones only when every node has them", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const pod = (name: string, platforms: ReadonlyArray<string>) => ({
        name,
        endpoint: "",
        platforms: worker("", platforms).platforms,
        driverOpts: {},
        buildkitdFlags: [],
        files: {}
      })
      const group = storedGroup("k", "fake", [
        { name: "k0", endpoint: "kube://a" },
        { name: "k1", endpoint: "kube://b" }
      ])
      const dynamic = {
        "kube://a": { info: { status: "running" as const, dynamicNodes: [pod("p1", ["linux/arm64"]), pod("p2", [])] } },
        "kube://b": { info: { status: "running" as const, dynamicNodes: [pod("p3", [])] } }
      }
      const all = yield* loadNodes(builderOf(group), { data: true }).pipe(Effect.provide(world(tally, dynamic)))
      expect(all.nodes.map((n) => n.name)).toEqual(["k0", "k0", "k1"])
      expect(all.nodes[0]?.platforms).toEqual([{ os: "linux", architecture: "arm64" }])
      // A pod without platforms keeps what its static node loaded (the fake worker's linux/amd64).
      expect(all.nodes[1]?.platforms).toEqual([{ os: "linux", architecture: "amd64" }])
      expect(all.nodeGroup.nodes.map((n) => n.name)).toEqual(["p1", "p2", "p3"])
      expect(all.nodeGroup.dynamic).toBe(true)
      const partial = yield* loadNodes(builderOf(group), { data: true }).pipe(
        Effect.provide(world(tally, { "kube://a": dynamic["kube://a"] }))
      )
      expect(partial.nodes.map((n) => n.name)).toEqual(["k0", "k1"])
      expect(partial.nodeGroup.dynamic).toBe(false)
    })
  )
})

describe("planned drivers", () => {
  const planned = Layer.mergeAll(
    factories(
      plannedDriverFactory("docker-container", { withDockerApi: 30, withoutDockerApi: 70 }),
      plannedDriverFactory("kubernetes", { withDockerApi: 40, withoutDockerApi: 80 })
    ),
    memoryDocker(["unix:///run/d.sock"]),
    memoryContexts([], { defaultHost: "unix:///run/d.sock" })
  )

  it.effect("say on each node that buildlens cannot load them yet", () =>
    Effect.gen(function* () {
      const group = storedGroup("b", "kubernetes", [{ name: "k0", endpoint: "kubernetes:///b?deployment=k0" }])
      const loaded = yield* loadNodes(builderOf(group), { data: true }).pipe(Effect.provide(planned))
      expect(loaded.error).toBeUndefined()
      expect(loaded.nodes[0]?.error?.message).toBe("the kubernetes driver is not supported by buildlens yet")
    })
  )

  it.effect("take part in the default driver choice with buildx's priorities", () =>
    Effect.gen(function* () {
      const group = storedGroup("default", "", [{ name: "default", endpoint: "default" }])
      const loaded = yield* loadNodes(builderOf(group, true), { data: true }).pipe(Effect.provide(planned))
      expect(loaded.driver).toBe("docker-container")
    })
  )
})

describe("docker endpoints", () => {
  it.effect("fail a node whose context has no docker endpoint with docker's text", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const kubeOnly = { name: "k8s", description: "", docker: undefined, kubernetes: undefined }
      const group = storedGroup("b", "fake", [{ name: "n", endpoint: "k8s" }])
      const loaded = yield* loadNodes(builderOf(group), { data: true }).pipe(
        Effect.provide(
          Layer.mergeAll(factories(fakeFactory("fake", {}, tally)), memoryDocker([]), memoryContexts([kubeOnly]))
        )
      )
      expect(loaded.nodes[0]?.error?.message).toBe("cannot find docker endpoint in context")
    })
  )
})

describe("buildkitd.toml", () => {
  it.effect("fails the builder when the first node's file does not parse, as buildx's ImageOpt does", () =>
    Effect.gen(function* () {
      const tally = yield* makeTally
      const base = storedGroup("b", "fake", [
        { name: "n0", endpoint: "tcp://n:0" },
        { name: "n1", endpoint: "tcp://n:1" }
      ])
      const withFile = (index: number, text: string) => ({
        ...base,
        nodes: base.nodes.map((n, i) =>
          i === index ? { ...n, files: { "buildkitd.toml": new TextEncoder().encode(text) } } : n
        )
      })
      const first = yield* loadNodes(builderOf(withFile(0, "!broken")), { data: true }).pipe(
        Effect.provide(world(tally, {}))
      )
      expect(first.error?.message).toBe("failed to parse config: toml: bad")
      expect(first.nodes.map((n) => n.name)).toEqual(["", ""])
      // Only the first node's file is read.
      const second = yield* loadNodes(builderOf(withFile(1, "!broken")), { data: true }).pipe(
        Effect.provide(world(tally, {}))
      )
      expect(second.error).toBeUndefined()
    })
  )
})
