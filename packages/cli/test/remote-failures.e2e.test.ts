/**
 * End to end through the built CLI: the failing branches of a remote node (SPEC §3.4, §4.3):
 * unreachable endpoints, ListWorkers failures, `--timeout`, invalid driver options. Each run must
 * write nothing and leave no connection open.
 */

import { describe, expect, it } from "@effect/vitest"
import * as grpc from "@grpc/grpc-js"
import { Effect } from "effect"
import { arm64, inspectOut, jsonOut, lsOut, nodeRow, rb, storeNode } from "./support/remote-output.js"
import {
  awaitNoConnections,
  callCounts,
  closedStats,
  expectResult,
  runUnchanged,
  setup,
  timeout
} from "./support/remote-run.js"
import { makeSandbox } from "./support/sandbox.js"
import { makeScriptedBuildkit } from "./support/scripted-buildkit.js"

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
