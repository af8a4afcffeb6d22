/**
 * End to end through the built CLI: a remote builder stored by hand in buildx's format, the real
 * grpc-js client against a BuildKit test server, the loadData branches of a healthy node (SPEC §3.4:
 * several workers, the Info RPC and its fallbacks) as the exact bytes of `ls`, `inspect` and
 * `ls --format json`. Each run must write nothing and leave no connection open; the `default`
 * builder aims at a missing DOCKER_HOST socket and is listed last.
 */

import { describe, expect, it } from "@effect/vitest"
import * as grpc from "@grpc/grpc-js"
import { Effect } from "effect"
import { arm64, inspectOut, jsonOut, lsOut, nodeRow, rb, storeNode } from "./support/remote-output.js"
import { callCounts, closedStats, expectResult, runUnchanged, setup, timeout } from "./support/remote-run.js"

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
