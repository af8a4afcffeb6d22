/**
 * End to end through the built CLI: a remote builder stored by hand in buildx's format, the real
 * grpc-js client against the BuildKit test server, every loadData branch (SPEC §3.4) as the exact
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
import { type CliResult, lsTable, makeSandbox, type Sandbox, type StoreNodeJson } from "./support/sandbox.js"
import { makeScriptedBuildkit } from "./support/scripted-buildkit.js"

// Each test runs the CLI (a node start-up each) several times.
const timeout = 30_000

const header = ["NAME/NODE", "DRIVER/ENDPOINT", "STATUS", "BUILDKIT", "PLATFORMS"]
const zeroTime = "0001-01-01T00:00:00Z"

const storeNode = (name: string, endpoint: string, fields: Partial<StoreNodeJson> = {}): StoreNodeJson => ({
  Name: name,
  Endpoint: endpoint,
  Platforms: null,
  DriverOpts: null,
  Flags: null,
  Files: null,
  ...fields
})

/** What moby's client says when DOCKER_HOST's socket is missing (vendor/github.com/moby/moby/client/request.go). */
const dockerUnreachable = (sandbox: Sandbox): string =>
  `failed to connect to the docker API at ${sandbox.dockerHost}; check if the path is correct and if the daemon is ` +
  `running: dial unix ${sandbox.root}/no-docker.sock: connect: no such file or directory`

const defaultRow = ["default*", "", "error", "", ""]
const defaultTrailer = (sandbox: Sandbox): string => `Cannot load builder default: ${dockerUnreachable(sandbox)}\n`
const defaultJson = (sandbox: Sandbox): string =>
  `{"Current":true,"Driver":"","Dynamic":false,"Err":${JSON.stringify(dockerUnreachable(sandbox))},` +
  `"LastActivity":"${zeroTime}","Name":"default","Nodes":[{"Endpoint":"","Name":""}]}\n`

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

const expectResult = (result: CliResult, expected: Omit<CliResult, "elapsedMs">): void => {
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
  const instance = (endpoint: string) => ({
    Name: "rb",
    Driver: "remote",
    Nodes: [storeNode("rb0", endpoint, { Platforms: [{ architecture: "arm64", os: "linux" }] })],
    Dynamic: false
  })

  it.scopedLive(
    "ls shows the daemon version and stored platforms first, truncated in major order",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup(options)
        yield* sandbox.writeInstance(instance(endpoint))
        const result = yield* runUnchanged(sandbox, ["ls"])
        expectResult(result, {
          stdout: lsTable([
            header,
            ["rb", "remote", "", "", ""],
            [" \\_ rb0", ` \\_ ${endpoint}`, "running", "v0.99.1", "linux/amd64, linux/arm64*, linux/riscv64"],
            defaultRow
          ]),
          stderr: `\n${defaultTrailer(sandbox)}`,
          code: 0
        })
        // One client per driver handle: remote Info's ListWorkers, loadData's ListWorkers, then Info.
        const stats = yield* closedStats(server)
        expect(callCounts(stats)).toEqual({
          connectionsOpened: 1,
          connectionsOpen: 0,
          calls: { ListWorkers: 2, Info: 1 }
        })
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
        yield* sandbox.writeInstance(instance(endpoint))
        const result = yield* runUnchanged(sandbox, ["inspect", "rb"])
        expectResult(result, {
          stdout: [
            "Name:   rb",
            "Driver: remote",
            "",
            "Nodes:",
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
            " Reserved Space: 512B",
            ""
          ].join("\n"),
          stderr: "",
          code: 0
        })
        expect(callCounts(yield* closedStats(server))).toEqual({
          connectionsOpened: 1,
          connectionsOpen: 0,
          calls: { ListWorkers: 2, Info: 1 }
        })
      }),
    timeout
  )

  it.scopedLive(
    "ls json carries sorted ids, deduplicated platforms without markers and worker 0's gc rules",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup(options)
        yield* sandbox.writeInstance(instance(endpoint))
        const result = yield* runUnchanged(sandbox, ["ls", "--format", "json"])
        const gc =
          `[{"all":false,"filter":["type==source.local","type==exec.cachemount"],"keepDuration":172800000000000,` +
          `"maxUsedSpace":100000000000,"minFreeSpace":1610612736,"reservedSpace":10737418240},` +
          `{"all":true,"filter":null,"keepDuration":1500000000,"maxUsedSpace":0,"minFreeSpace":0,"reservedSpace":512}]`
        const labels = `{"org.mobyproject.buildkit.worker.executor":"oci","org.mobyproject.buildkit.worker.hostname":"bk0"}`
        expectResult(result, {
          stdout:
            `{"Current":false,"Driver":"remote","Dynamic":false,"LastActivity":"${zeroTime}","Name":"rb","Nodes":[` +
            `{"Endpoint":"${endpoint}","GCPolicy":${gc},"IDs":["Beta","alpha","zeta"],"Labels":${labels},` +
            `"Name":"rb0","Platforms":["linux/arm64","linux/amd64","linux/riscv64"],"Status":"running",` +
            `"Version":"v0.99.1"}]}\n${defaultJson(sandbox)}`,
          stderr: "",
          code: 0
        })
        expect((yield* closedStats(server)).connectionsOpen).toBe(0)
      }),
    timeout
  )
})

describe("buildkit info rpc", () => {
  const oneWorker = { ID: "w0", platforms: [{ OS: "linux", Architecture: "amd64" }] }
  const instance = (endpoint: string) => ({
    Name: "rb",
    Driver: "remote",
    Nodes: [storeNode("rb0", endpoint)],
    Dynamic: false
  })
  const lsWithBuildkit = (sandbox: Sandbox, endpoint: string, buildkit: string) => ({
    stdout: lsTable([
      header,
      ["rb", "remote", "", "", ""],
      [" \\_ rb0", ` \\_ ${endpoint}`, "running", buildkit, "linux/amd64"],
      defaultRow
    ]),
    stderr: `\n${defaultTrailer(sandbox)}`,
    code: 0
  })
  const inspectWithoutVersion = (endpoint: string) =>
    [
      "Name:   rb",
      "Driver: remote",
      "",
      "Nodes:",
      "Name:      rb0",
      `Endpoint:  ${endpoint}`,
      "Status:    running",
      "Platforms: linux/amd64",
      ""
    ].join("\n")

  it.scopedLive(
    "an implemented info rpc gives the buildkit column its version",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers: [oneWorker], info: { version: "v0.12.5" } })
        yield* sandbox.writeInstance(instance(endpoint))
        expectResult(yield* runUnchanged(sandbox, ["ls"]), lsWithBuildkit(sandbox, endpoint, "v0.12.5"))
        expect((yield* closedStats(server)).calls).toEqual({ ListWorkers: 2, Info: 1 })
      }),
    timeout
  )

  it.scopedLive(
    "an unimplemented info rpc falls back to the remote driver's empty version",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers: [oneWorker], info: "unimplemented" })
        yield* sandbox.writeInstance(instance(endpoint))
        expectResult(yield* runUnchanged(sandbox, ["ls"]), lsWithBuildkit(sandbox, endpoint, ""))
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), {
          stdout: inspectWithoutVersion(endpoint),
          stderr: "",
          code: 0
        })
        // Unregistered methods never reach the handler, so only ListWorkers is counted (2 per run).
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
        yield* sandbox.writeInstance(instance(endpoint))
        expectResult(yield* runUnchanged(sandbox, ["ls"]), lsWithBuildkit(sandbox, endpoint, ""))
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), {
          stdout: inspectWithoutVersion(endpoint),
          stderr: "",
          code: 0
        })
        expectResult(yield* runUnchanged(sandbox, ["ls", "--format", "json"]), {
          stdout:
            `{"Current":false,"Driver":"remote","Dynamic":false,"LastActivity":"${zeroTime}","Name":"rb","Nodes":[` +
            `{"Endpoint":"${endpoint}","IDs":["w0"],"Name":"rb0","Platforms":["linux/amd64"],"Status":"running"}]}\n` +
            defaultJson(sandbox),
          stderr: "",
          code: 0
        })
        expect(callCounts(yield* closedStats(server))).toEqual({
          connectionsOpened: 3,
          connectionsOpen: 0,
          calls: { ListWorkers: 6, Info: 3 }
        })
      }),
    timeout
  )
})

describe("unreachable daemon", () => {
  const instance = (endpoint: string) => ({
    Name: "rb",
    Driver: "remote",
    Nodes: [storeNode("rb0", endpoint, { Platforms: [{ architecture: "arm64", os: "linux" }] })],
    Dynamic: false
  })
  const inactive = (sandbox: Sandbox, endpoint: string) => ({
    ls: {
      stdout: lsTable([
        header,
        ["rb", "remote", "", "", ""],
        [" \\_ rb0", ` \\_ ${endpoint}`, "inactive", "", "linux/arm64*"],
        defaultRow
      ]),
      stderr: `\n${defaultTrailer(sandbox)}`,
      code: 0
    },
    inspect: {
      stdout: [
        "Name:   rb",
        "Driver: remote",
        "",
        "Nodes:",
        "Name:      rb0",
        `Endpoint:  ${endpoint}`,
        "Status:    inactive",
        "Platforms: linux/arm64*",
        ""
      ].join("\n"),
      stderr: "",
      code: 0
    },
    json: {
      stdout:
        `{"Current":false,"Driver":"remote","Dynamic":false,"LastActivity":"${zeroTime}","Name":"rb","Nodes":[` +
        `{"Endpoint":"${endpoint}","Name":"rb0","Platforms":["linux/arm64"],"Status":"inactive"}]}\n` +
        defaultJson(sandbox),
      stderr: "",
      code: 0
    }
  })

  it.scopedLive(
    "a failing list workers makes remote info report inactive without an error",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({
          workers: [{ ID: "w0", platforms: [{ OS: "linux", Architecture: "amd64" }] }],
          listWorkersError: { code: grpc.status.INTERNAL, details: "workers exploded" }
        })
        yield* sandbox.writeInstance(instance(endpoint))
        const expected = inactive(sandbox, endpoint)
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
        yield* sandbox.writeInstance(instance(endpoint))
        const expected = inactive(sandbox, endpoint)
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
  const instance = (endpoint: string) => ({
    Name: "rb",
    Driver: "remote",
    Nodes: [storeNode("rb0", endpoint, { Platforms: [{ architecture: "arm64", os: "linux" }] })],
    Dynamic: false
  })
  const workers = [{ ID: "w0", platforms: [{ OS: "linux", Architecture: "amd64" }] }]

  // buildx hands the deadline to remote Info, whose ListWorkers then fails and is swallowed (driver/remote/driver.go).
  it.scopedLive(
    "a list workers slower than --timeout makes the node inactive and ls still exits 0",
    () =>
      Effect.gen(function* () {
        const { sandbox, server, endpoint } = yield* setup({ workers, delays: { listWorkers: "4 seconds" } })
        yield* sandbox.writeInstance(instance(endpoint))
        const result = yield* runUnchanged(sandbox, ["ls", "--timeout", "1s"])
        expectResult(result, {
          stdout: lsTable([
            header,
            ["rb", "remote", "", "", ""],
            [" \\_ rb0", ` \\_ ${endpoint}`, "inactive", "", "linux/arm64*"],
            defaultRow
          ]),
          stderr: `\n${defaultTrailer(sandbox)}`,
          code: 0
        })
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
        yield* sandbox.writeInstance(instance(endpoint))
        const result = yield* runUnchanged(sandbox, ["ls", "--timeout", "1s"])
        expectResult(result, {
          stdout: lsTable([
            header,
            ["rb", "remote", "", "", ""],
            [" \\_ rb0", ` \\_ ${endpoint}`, "running", "", "linux/amd64, linux/arm64*"],
            defaultRow
          ]),
          stderr: `\n${defaultTrailer(sandbox)}`,
          code: 0
        })
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
        yield* sandbox.writeInstance(instance(endpoint))
        const result = yield* runUnchanged(sandbox, ["inspect", "--timeout", "1s", "rb"])
        expectResult(result, {
          stdout: [
            "Name:   rb",
            "Driver: remote",
            "",
            "Nodes:",
            "Name:      rb0",
            `Endpoint:  ${endpoint}`,
            "Status:    inactive",
            "Platforms: linux/arm64*",
            ""
          ].join("\n"),
          stderr: "",
          code: 0
        })
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
        yield* sandbox.writeInstance({
          Name: "rb",
          Driver: "remote",
          Nodes: [
            storeNode("rb0", endpoint, { DriverOpts: { foo: "bar" } }),
            // Go iterates the map in random order; buildlens reports the first key in sorted order.
            storeNode("rb1", endpoint, { DriverOpts: { zzz: "1", cacert: "certs/ca.pem" } }),
            storeNode("rb2", endpoint, { DriverOpts: { cert: "/certs/cert.pem" } }),
            storeNode("rb3", endpoint, {
              DriverOpts: { "default-load": "maybe" },
              Platforms: [{ architecture: "amd64", os: "linux" }]
            })
          ],
          Dynamic: false
        })
        const errors = [
          "invalid driver option foo for remote driver",
          "non-absolute path 'certs/ca.pem' provided for cacert",
          "tls enabled, but missing keys cacert, key",
          'strconv.ParseBool: parsing "maybe": invalid syntax'
        ]
        const nodeRow = (i: number, platforms = "") => [` \\_ rb${i}`, ` \\_ ${endpoint}`, "error", "", platforms]
        expectResult(yield* runUnchanged(sandbox, ["ls"]), {
          stdout: lsTable([
            header,
            ["rb", "remote", "", "", ""],
            nodeRow(0),
            nodeRow(1),
            nodeRow(2),
            nodeRow(3, "linux/amd64*"),
            defaultRow
          ]),
          stderr:
            "\n" +
            errors.map((e, i) => `Failed to get status for rb (rb${i}): ${e}\n`).join("") +
            defaultTrailer(sandbox),
          code: 0
        })
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), {
          stdout: [
            "Name:   rb",
            "Driver: remote",
            "",
            "Nodes:",
            "Name:           rb0",
            `Endpoint:       ${endpoint}`,
            'Driver Options: foo="bar"',
            `Error:          ${errors[0]}`,
            "",
            "Name:           rb1",
            `Endpoint:       ${endpoint}`,
            'Driver Options: cacert="certs/ca.pem" zzz="1"',
            `Error:          ${errors[1]}`,
            "",
            "Name:           rb2",
            `Endpoint:       ${endpoint}`,
            'Driver Options: cert="/certs/cert.pem"',
            `Error:          ${errors[2]}`,
            "",
            "Name:           rb3",
            `Endpoint:       ${endpoint}`,
            'Driver Options: default-load="maybe"',
            `Error:          ${errors[3]}`,
            ""
          ].join("\n"),
          stderr: "",
          code: 0
        })
        const nodeJson = (i: number, opts: string, extra = "") =>
          `{"DriverOpts":${opts},"Endpoint":"${endpoint}","Err":${JSON.stringify(errors[i])},"Name":"rb${i}",` +
          `${extra}"Status":"error"}`
        expectResult(yield* runUnchanged(sandbox, ["ls", "--format", "json"]), {
          stdout:
            `{"Current":false,"Driver":"remote","Dynamic":false,"LastActivity":"${zeroTime}","Name":"rb","Nodes":[` +
            [
              nodeJson(0, `{"foo":"bar"}`),
              nodeJson(1, `{"cacert":"certs/ca.pem","zzz":"1"}`),
              nodeJson(2, `{"cert":"/certs/cert.pem"}`),
              nodeJson(3, `{"default-load":"maybe"}`, `"Platforms":["linux/amd64"],`)
            ].join(",") +
            `]}\n${defaultJson(sandbox)}`,
          stderr: "",
          code: 0
        })
        expect(callCounts(yield* closedStats(server))).toEqual({
          connectionsOpened: 0,
          connectionsOpen: 0,
          calls: { ListWorkers: 0, Info: 0 }
        })
      }),
    timeout
  )
})

/** Polls until the scripted server has no open connection (up to 3s) and returns how many are left. */
const awaitNoConnections = (open: () => number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 3_000
    while (open() > 0 && Date.now() < deadline) yield* Effect.sleep("20 millis")
    return open()
  })

describe("list workers after a running info", () => {
  it.scopedLive(
    "a failing second list workers is the node's error, wrapped as listing workers",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* makeSandbox
        // Remote Info's own ListWorkers (even calls) succeeds, loadData's (odd calls) fails.
        const server = yield* makeScriptedBuildkit(`${sandbox.root}/buildkitd.sock`, (call) =>
          call % 2 === 0
            ? { workers: [{ ID: "w0", OS: "linux", Architecture: "amd64" }] }
            : { code: grpc.status.INTERNAL, details: "second call exploded" }
        )
        const endpoint = server.address
        yield* sandbox.writeInstance({
          Name: "rb",
          Driver: "remote",
          Nodes: [storeNode("rb0", endpoint, { Platforms: [{ architecture: "arm64", os: "linux" }] })],
          Dynamic: false
        })
        const error = "listing workers: failed to list workers: Internal: second call exploded"
        expectResult(yield* runUnchanged(sandbox, ["ls"]), {
          stdout: lsTable([
            header,
            ["rb", "remote", "", "", ""],
            [" \\_ rb0", ` \\_ ${endpoint}`, "error", "", "linux/arm64*"],
            defaultRow
          ]),
          stderr: `\nFailed to get status for rb (rb0): ${error}\n${defaultTrailer(sandbox)}`,
          code: 0
        })
        expectResult(yield* runUnchanged(sandbox, ["inspect", "rb"]), {
          stdout: [
            "Name:   rb",
            "Driver: remote",
            "",
            "Nodes:",
            "Name:     rb0",
            `Endpoint: ${endpoint}`,
            `Error:    ${error}`,
            ""
          ].join("\n"),
          stderr: "",
          code: 0
        })
        expectResult(yield* runUnchanged(sandbox, ["ls", "--format", "json"]), {
          stdout:
            `{"Current":false,"Driver":"remote","Dynamic":false,"LastActivity":"${zeroTime}","Name":"rb","Nodes":[` +
            `{"Endpoint":"${endpoint}","Err":"${error}","Name":"rb0","Platforms":["linux/arm64"],"Status":"error"}]}\n` +
            defaultJson(sandbox),
          stderr: "",
          code: 0
        })
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
          workers: [{ ID: "w0", OS: "linux", Architecture: "amd64" }],
          ...(call % 2 === 1 ? { delayMs: 4_000 } : {})
        }))
        const endpoint = server.address
        yield* sandbox.writeInstance({
          Name: "rb",
          Driver: "remote",
          Nodes: [storeNode("rb0", endpoint, { Platforms: [{ architecture: "arm64", os: "linux" }] })],
          Dynamic: false
        })
        // grpc-go fails the call with DeadlineExceeded; BuildKit and loadData wrap it.
        const error = "listing workers: failed to list workers: DeadlineExceeded: context deadline exceeded"
        const ls = yield* runUnchanged(sandbox, ["ls", "--timeout", "1s"])
        expectResult(ls, {
          stdout: lsTable([
            header,
            ["rb", "remote", "", "", ""],
            [" \\_ rb0", ` \\_ ${endpoint}`, "error", "", "linux/arm64*"],
            defaultRow
          ]),
          stderr: `\nFailed to get status for rb (rb0): ${error}\n${defaultTrailer(sandbox)}`,
          code: 0
        })
        expect(ls.elapsedMs).toBeLessThan(3_500)
        expectResult(yield* runUnchanged(sandbox, ["inspect", "--timeout", "1s", "rb"]), {
          stdout: [
            "Name:   rb",
            "Driver: remote",
            "",
            "Nodes:",
            "Name:     rb0",
            `Endpoint: ${endpoint}`,
            `Error:    ${error}`,
            ""
          ].join("\n"),
          stderr: "",
          code: 0
        })
        expect(yield* awaitNoConnections(server.connectionsOpen)).toBe(0)
        expect({ opened: server.connectionsOpened(), listWorkers: server.listWorkersCalls() }).toEqual({
          opened: 2,
          listWorkers: 4
        })
      }),
    timeout
  )
})
