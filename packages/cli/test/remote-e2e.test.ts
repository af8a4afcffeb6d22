/**
 * End to end through the built CLI: a remote builder stored by hand in buildx's format, the real
 * grpc-js client against a BuildKit test server, every loadData branch (SPEC §3.4) as the exact
 * bytes of `ls`, `inspect` and `ls --format json` (§5.1–5.4). Each run must write nothing and leave
 * no connection open. The default context aims at a DOCKER_HOST socket that does not exist, so the
 * `default` builder always fails its ping and is listed last.
 */

import { describe, expect, it } from "@effect/vitest"
import * as grpc from "@grpc/grpc-js"
import { Effect } from "effect"
import {
  BuildkitTestServer,
  type BuildkitTestServerOptions,
  type BuildkitTestServerStats
} from "../../adapters/test/support/buildkit-server.js"
import { arm64, type Expected, inspectOut, jsonOut, lsOut, nodeRow, rb, storeNode } from "./support/remote-output.js"
import { type CliResult, makeSandbox, type Sandbox } from "./support/sandbox.js"
import { makeScriptedBuildkit } from "./support/scripted-buildkit.js"

// Each test runs the CLI (a node start-up each) several times.
const timeout = 30_000

/** A sandbox with a test server linked at `<root>/buildkitd.sock`. */
const setup = (options: BuildkitTestServerOptions) =>
  Effect.gen(function* () {
    const sandbox = yield* makeSandbox
    const server = yield* BuildkitTestServer.make(options)
    const endpoint = yield* sandbox.linkSocket(server.address)
    return { sandbox, server, endpoint }
  })

/** Runs the CLI and checks that the store and config folders are byte for byte what they were. */
const runUnchanged = (sandbox: Sandbox, args: ReadonlyArray<string>): Effect.Effect<CliResult> =>
  Effect.gen(function* () {
    const before = yield* sandbox.snapshot
    const result = yield* sandbox.run(args)
    expect(yield* sandbox.snapshot).toEqual(before)
    return result
  })

const expectResult = (result: CliResult, expected: Expected): void => {
  // Soft, so a wrong output still lets the connection and call checks that follow report.
  expect.soft({ stdout: result.stdout, stderr: result.stderr, code: result.code }).toEqual(expected)
}

/** Waits until the CLI's connections are all gone, then returns what the server saw. */
const closedStats = (server: BuildkitTestServer) =>
  Effect.gen(function* () {
    yield* server
      .awaitNoConnections()
      .pipe(Effect.mapError((stats) => new Error(`still open: ${JSON.stringify(stats)}`)))
    return yield* server.stats
  }).pipe(Effect.orDie)

const callCounts = (stats: BuildkitTestServerStats) => ({
  connectionsOpened: stats.connectionsOpened,
  connectionsOpen: stats.connectionsOpen,
  calls: stats.calls
})

/** Polls until the scripted server has no open connection (up to 3s) and returns how many are left. */
const awaitNoConnections = (open: () => number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 3_000
    while (open() > 0 && Date.now() < deadline) yield* Effect.sleep("20 millis")
    return open()
  })

describe("several workers", () => {
  const options: BuildkitTestServerOptions = {
    info: { version: "v0.99.1", revision: "feedbeef", package: "github.com/moby/buildkit" },
    workers: [
      {
        ID: "zeta",
        Labels: {
          "org.mobyproject.buildkit.worker.hostname": "bk0",
          "org.mobyproject.buildkit.worker.executor": "oci"
        },
        platforms: [
          { OS: "linux", Architecture: "amd64" },
          { OS: "linux", Architecture: "arm64" }
        ],
        GCPolicy: [
          {
            all: false,
            filters: ["type==source.local", "type==exec.cachemount"],
            keepDuration: 172_800_000_000_000,
            reservedSpace: 10_737_418_240,
            maxUsedSpace: 100_000_000_000,
            minFreeSpace: 1_610_612_736
          },
          { all: true, keepDuration: 1_500_000_000, reservedSpace: 512 }
        ],
        CDIDevices: [{ Name: "vendor.com/first-worker=0", AutoAllow: true }]
      },
      {
        ID: "Beta",
        Labels: { "second.worker": "ignored" },
        platforms: [
          { OS: "linux", Architecture: "arm64", Variant: "v8" },
          { OS: "linux", Architecture: "riscv64" }
        ],
        GCPolicy: [{ all: true, keepDuration: 1 }],
        CDIDevices: [{ Name: "vendor.com/second-worker=0", OnDemand: true }]
      },
      {
        ID: "alpha",
        platforms: [{ OS: "linux", Architecture: "amd64" }],
        CDIDevices: [
          { Name: "vendor.com/gpu=0", AutoAllow: false, Annotations: { "org.b": "2", "org.a": "1" } },
          { Name: "vendor.com/gpu=1", OnDemand: true }
        ]
      }
    ]
  }
  const oneRun = { connectionsOpened: 1, connectionsOpen: 0, calls: { ListWorkers: 2, Info: 1 } }

  it.scopedLive(
    "ls shows the daemon version and stored platforms first, truncated in major order",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup(options)
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        expectResult(
          yield* runUnchanged(sandbox, ["ls"]),
          lsOut(sandbox, [nodeRow("rb0", endpoint, "running", "v0.99.1", "linux/amd64, linux/arm64*, linux/riscv64")])
        )
        // One client per driver handle: remote Info's ListWorkers, loadData's ListWorkers, then Info.
        const stats = yield* closedStats(server)
        expect(callCounts(stats)).toEqual(oneRun)
        // A unix endpoint has no URL host, so gRPC falls back to `localhost` (driver/remote/driver.go).
        expect(stats.authorities).toEqual(["localhost", "localhost", "localhost"])
      }),
    timeout
  )

  it.scopedLive(
    "inspect shows worker 0's labels and gc rules with every field, and the last worker's devices",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup(options)
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        expectResult(
          yield* runUnchanged(sandbox, ["inspect", "rb"]),
          inspectOut([
            "Name:             rb0",
            `Endpoint:         ${endpoint}`,
            "Status:           running",
            "BuildKit version: v0.99.1",
            "Platforms:        linux/arm64*, linux/amd64, linux/riscv64",
            "Labels:",
            " org.mobyproject.buildkit.worker.executor: oci",
            " org.mobyproject.buildkit.worker.hostname: bk0",
            "Devices:",
            " Name:                  vendor.com/gpu=0",
            " Automatically allowed: false",
            " Annotations:",
            // The annotation lines share their column-1 block with the next device's labels.
            "            org.a: 1",
            "            org.b: 2",
            " Name:      vendor.com/gpu=1",
            " On-Demand: true",
            "GC Policy rule#0:",
            " All:            false",
            " Filters:        type==source.local type==exec.cachemount",
            " Keep Duration:  48h0m0s",
            " Reserved Space: 10GiB",
            " Max Used Space: 93.13GiB",
            " Min Free Space: 1.5GiB",
            "GC Policy rule#1:",
            " All:            true",
            " Keep Duration:  1.5s",
            " Reserved Space: 512B"
          ])
        )
        expect(callCounts(yield* closedStats(server))).toEqual(oneRun)
      }),
    timeout
  )

  it.scopedLive(
    "ls json carries sorted ids, deduplicated platforms without markers and worker 0's gc rules",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup(options)
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        const gc =
          `[{"all":false,"filter":["type==source.local","type==exec.cachemount"],"keepDuration":172800000000000,` +
          `"maxUsedSpace":100000000000,"minFreeSpace":1610612736,"reservedSpace":10737418240},` +
          `{"all":true,"filter":null,"keepDuration":1500000000,"maxUsedSpace":0,"minFreeSpace":0,"reservedSpace":512}]`
        const labels = `{"org.mobyproject.buildkit.worker.executor":"oci","org.mobyproject.buildkit.worker.hostname":"bk0"}`
        expectResult(
          yield* runUnchanged(sandbox, ["ls", "--format", "json"]),
          jsonOut(sandbox, [
            `{"Endpoint":"${endpoint}","GCPolicy":${gc},"IDs":["Beta","alpha","zeta"],"Labels":${labels},` +
              `"Name":"rb0","Platforms":["linux/arm64","linux/amd64","linux/riscv64"],"Status":"running",` +
              `"Version":"v0.99.1"}`
          ])
        )
        expect(callCounts(yield* closedStats(server))).toEqual(oneRun)
      }),
    timeout
  )
})

describe("buildkit info rpc", () => {
  const oneWorker = { ID: "w0", platforms: [{ OS: "linux", Architecture: "amd64" }] }
  const inspectWithoutVersion = (endpoint: string) =>
    inspectOut(["Name:      rb0", `Endpoint:  ${endpoint}`, "Status:    running", "Platforms: linux/amd64"])

  it.scopedLive(
    "an implemented info rpc gives the buildkit column its version",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers: [oneWorker], info: { version: "v0.12.5" } })
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint)]))
        expectResult(
          yield* runUnchanged(sandbox, ["ls"]),
          lsOut(sandbox, [nodeRow("rb0", endpoint, "running", "v0.12.5", "linux/amd64")])
        )
        expect((yield* closedStats(server)).calls).toEqual({ ListWorkers: 2, Info: 1 })
      }),
    timeout
  )

  it.scopedLive(
    "an unimplemented info rpc falls back to the remote driver's empty version",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers: [oneWorker], info: "unimplemented" })
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint)]))
        expectResult(
          yield* runUnchanged(sandbox, ["ls"]),
          lsOut(sandbox, [nodeRow("rb0", endpoint, "running", "", "linux/amd64")])
        )
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), inspectWithoutVersion(endpoint))
        // Unregistered methods never reach a handler, so only ListWorkers is counted (2 per run).
        expect(callCounts(yield* closedStats(server))).toEqual({
          connectionsOpened: 2,
          connectionsOpen: 0,
          calls: { ListWorkers: 4, Info: 0 }
        })
      }),
    timeout
  )

  it.scopedLive(
    "an info rpc failing with internal leaves the version empty and is no error",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({
          workers: [oneWorker],
          info: { code: grpc.status.INTERNAL, details: "info exploded" }
        })
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint)]))
        expectResult(
          yield* runUnchanged(sandbox, ["ls"]),
          lsOut(sandbox, [nodeRow("rb0", endpoint, "running", "", "linux/amd64")])
        )
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), inspectWithoutVersion(endpoint))
        expectResult(
          yield* runUnchanged(sandbox, ["ls", "--format", "json"]),
          jsonOut(sandbox, [
            `{"Endpoint":"${endpoint}","IDs":["w0"],"Name":"rb0","Platforms":["linux/amd64"],"Status":"running"}`
          ])
        )
        expect(callCounts(yield* closedStats(server))).toEqual({
          connectionsOpened: 3,
          connectionsOpen: 0,
          calls: { ListWorkers: 6, Info: 3 }
        })
      }),
    timeout
  )
})

/** ls, inspect and json of `rb` whose only node `rb0` (stored linux/arm64) is inactive. */
const inactiveOut = (sandbox: Sandbox, endpoint: string) => ({
  ls: lsOut(sandbox, [nodeRow("rb0", endpoint, "inactive", "", "linux/arm64*")]),
  inspect: inspectOut(["Name:      rb0", `Endpoint:  ${endpoint}`, "Status:    inactive", "Platforms: linux/arm64*"]),
  json: jsonOut(sandbox, [`{"Endpoint":"${endpoint}","Name":"rb0","Platforms":["linux/arm64"],"Status":"inactive"}`])
})

describe("unreachable daemon", () => {
  it.scopedLive(
    "a failing list workers makes remote info report inactive without an error",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({
          workers: [{ ID: "w0", platforms: [{ OS: "linux", Architecture: "amd64" }] }],
          listWorkersError: { code: grpc.status.INTERNAL, details: "workers exploded" }
        })
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        const expected = inactiveOut(sandbox, endpoint)
        expectResult(yield* runUnchanged(sandbox, ["ls"]), expected.ls)
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), expected.inspect)
        expectResult(yield* runUnchanged(sandbox, ["ls", "--format", "json"]), expected.json)
        // buildx's remote Info is connect + ListWorkers; an inactive node stops loadData there.
        expect(callCounts(yield* closedStats(server))).toEqual({
          connectionsOpened: 3,
          connectionsOpen: 0,
          calls: { ListWorkers: 3, Info: 0 }
        })
      }),
    timeout
  )

  it.scopedLive(
    "an endpoint socket that does not exist is inactive",
    () =>
      Effect.gen(function* () {
        const { sandbox, server } = yield* setup({ workers: [{ ID: "w0" }] })
        const endpoint = `unix://${sandbox.root}/missing.sock`
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        const expected = inactiveOut(sandbox, endpoint)
        expectResult(yield* runUnchanged(sandbox, ["ls"]), expected.ls)
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), expected.inspect)
        expectResult(yield* runUnchanged(sandbox, ["ls", "--format", "json"]), expected.json)
        expect(callCounts(yield* closedStats(server))).toEqual({
          connectionsOpened: 0,
          connectionsOpen: 0,
          calls: { ListWorkers: 0, Info: 0 }
        })
      }),
    timeout
  )
})

describe("timeout", () => {
  const workers = [{ ID: "w0", platforms: [{ OS: "linux", Architecture: "amd64" }] }]

  // buildx hands the deadline to remote Info, whose ListWorkers then fails and is swallowed (driver/remote/driver.go).
  it.scopedLive(
    "a list workers slower than --timeout makes the node inactive and ls still exits 0",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers, delays: { listWorkers: "4 seconds" } })
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        const result = yield* runUnchanged(sandbox, ["ls", "--timeout", "1s"])
        expectResult(result, inactiveOut(sandbox, endpoint).ls)
        // The deadline, not the server's answer, ended the run.
        expect(result.elapsedMs).toBeLessThan(3_500)
        expect((yield* closedStats(server)).calls).toEqual({ ListWorkers: 1, Info: 0 })
      }),
    timeout
  )

  // The Info RPC's DeadlineExceeded is not Unimplemented, so buildx drops it (builder/node.go loadData).
  it.scopedLive(
    "an info rpc slower than --timeout leaves the node running without a version",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers, delays: { info: "4 seconds" } })
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        const result = yield* runUnchanged(sandbox, ["ls", "--timeout", "1s"])
        expectResult(result, lsOut(sandbox, [nodeRow("rb0", endpoint, "running", "", "linux/amd64, linux/arm64*")]))
        expect(result.elapsedMs).toBeLessThan(3_500)
        expect((yield* closedStats(server)).calls).toEqual({ ListWorkers: 2, Info: 1 })
      }),
    timeout
  )

  it.scopedLive(
    "inspect with a list workers slower than --timeout shows the node inactive",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers, delays: { listWorkers: "4 seconds" } })
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        const result = yield* runUnchanged(sandbox, ["inspect", "--timeout", "1s", "rb"])
        expectResult(result, inactiveOut(sandbox, endpoint).inspect)
        expect(result.elapsedMs).toBeLessThan(3_500)
        expect((yield* closedStats(server)).connectionsOpen).toBe(0)
      }),
    timeout
  )
})

describe("invalid driver options", () => {
  it.scopedLive(
    "each node's factory error is shown in its row, the trailer and inspect, and nothing is dialled",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers: [{ ID: "w0" }] })
        // Driver options as stored, as inspect quotes them, as JSON encodes them; and the factory's error.
        const nodes = [
          {
            opts: { foo: "bar" },
            shown: 'foo="bar"',
            json: '{"foo":"bar"}',
            error: "invalid driver option foo for remote driver"
          },
          // Go iterates the map in random order; buildlens reports the first key in sorted order.
          {
            opts: { zzz: "1", cacert: "certs/ca.pem" },
            shown: 'cacert="certs/ca.pem" zzz="1"',
            json: '{"cacert":"certs/ca.pem","zzz":"1"}',
            error: "non-absolute path 'certs/ca.pem' provided for cacert"
          },
          {
            opts: { cert: "/certs/cert.pem" },
            shown: 'cert="/certs/cert.pem"',
            json: '{"cert":"/certs/cert.pem"}',
            error: "tls enabled, but missing keys cacert, key"
          },
          {
            opts: { "default-load": "maybe" },
            shown: 'default-load="maybe"',
            json: '{"default-load":"maybe"}',
            error: 'strconv.ParseBool: parsing "maybe": invalid syntax'
          }
        ]
        // Only the last node has stored platforms: an error row still shows them.
        const last = nodes.length - 1
        yield* sandbox.writeInstance(
          rb(
            nodes.map((n, i) =>
              storeNode(`rb${i}`, endpoint, {
                DriverOpts: n.opts,
                Platforms: i === last ? [{ architecture: "amd64", os: "linux" }] : null
              })
            )
          )
        )
        expectResult(
          yield* runUnchanged(sandbox, ["ls"]),
          lsOut(
            sandbox,
            nodes.map((_, i) => nodeRow(`rb${i}`, endpoint, "error", "", i === last ? "linux/amd64*" : "")),
            nodes.map((n, i) => [`rb${i}`, n.error] as const)
          )
        )
        expectResult(
          yield* runUnchanged(sandbox, ["inspect", "rb"]),
          inspectOut(
            ...nodes.map((n, i) => [
              `Name:           rb${i}`,
              `Endpoint:       ${endpoint}`,
              `Driver Options: ${n.shown}`,
              `Error:          ${n.error}`
            ])
          )
        )
        expectResult(
          yield* runUnchanged(sandbox, ["ls", "--format", "json"]),
          jsonOut(
            sandbox,
            nodes.map(
              (n, i) =>
                `{"DriverOpts":${n.json},"Endpoint":"${endpoint}","Err":${JSON.stringify(n.error)},"Name":"rb${i}",` +
                `${i === last ? `"Platforms":["linux/amd64"],` : ""}"Status":"error"}`
            )
          )
        )
        expect(callCounts(yield* closedStats(server))).toEqual({
          connectionsOpened: 0,
          connectionsOpen: 0,
          calls: { ListWorkers: 0, Info: 0 }
        })
      }),
    timeout
  )
})
describe("list workers after a running info", () => {
  const worker = { ID: "w0", OS: "linux", Architecture: "amd64" }
  const errorOut = (sandbox: Sandbox, endpoint: string, error: string) => ({
    ls: lsOut(sandbox, [nodeRow("rb0", endpoint, "error", "", "linux/arm64*")], [["rb0", error]]),
    inspect: inspectOut(["Name:     rb0", `Endpoint: ${endpoint}`, `Error:    ${error}`])
  })

  it.scopedLive(
    "a failing second list workers is the node's error, wrapped as listing workers",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* makeSandbox
        // Remote Info's own ListWorkers (even calls) succeeds, loadData's (odd calls) fails.
        const server = yield* makeScriptedBuildkit(`${sandbox.root}/buildkitd.sock`, (call) =>
          call % 2 === 0 ? { workers: [worker] } : { code: grpc.status.INTERNAL, details: "second call exploded" }
        )
        const endpoint = server.address
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        const error = "listing workers: failed to list workers: Internal: second call exploded"
        const expected = errorOut(sandbox, endpoint, error)
        expectResult(yield* runUnchanged(sandbox, ["ls"]), expected.ls)
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), expected.inspect)
        expectResult(
          yield* runUnchanged(sandbox, ["ls", "--format", "json"]),
          jsonOut(sandbox, [
            `{"Endpoint":"${endpoint}","Err":"${error}","Name":"rb0","Platforms":["linux/arm64"],"Status":"error"}`
          ])
        )
        expect(yield* awaitNoConnections(server.connectionsOpen)).toBe(0)
        expect({ opened: server.connectionsOpened(), listWorkers: server.listWorkersCalls() }).toEqual({
          opened: 3,
          listWorkers: 6
        })
      }),
    timeout
  )

  it.scopedLive(
    "a second list workers outliving --timeout is a deadline error on the node and ls still exits 0",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* makeSandbox
        const server = yield* makeScriptedBuildkit(`${sandbox.root}/buildkitd.sock`, (call) => ({
          workers: [worker],
          ...(call % 2 === 1 ? { delayMs: 4_000 } : {})
        }))
        const endpoint = server.address
        yield* sandbox.writeInstance(rb([storeNode("rb0", endpoint, { Platforms: arm64 })]))
        // grpc-go fails the call with DeadlineExceeded; BuildKit and loadData wrap it.
        const expected = errorOut(
          sandbox,
          endpoint,
          "listing workers: failed to list workers: DeadlineExceeded: context deadline exceeded"
        )
        const ls = yield* runUnchanged(sandbox, ["ls", "--timeout", "1s"])
        expectResult(ls, expected.ls)
        expect(ls.elapsedMs).toBeLessThan(3_500)
        expectResult(yield* runUnchanged(sandbox, ["inspect", "--timeout", "1s", "rb"]), expected.inspect)
        expect(yield* awaitNoConnections(server.connectionsOpen)).toBe(0)
        expect({ opened: server.connectionsOpened(), listWorkers: server.listWorkersCalls() }).toEqual({
          opened: 2,
          listWorkers: 4
        })
      }),
    timeout
  )
})
