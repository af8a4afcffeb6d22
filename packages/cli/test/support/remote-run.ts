/** Shared steps of the remote end-to-end tests: a sandbox with a BuildKit test server, runs that must write nothing. */
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import {
  BuildkitTestServer,
  type BuildkitTestServerOptions,
  type BuildkitTestServerStats
} from "../../../adapters/test/support/buildkit-server.js"
import type { Expected } from "./remote-output.js"
import { type CliResult, makeSandbox, type Sandbox } from "./sandbox.js"

// Each test runs the CLI (a node start-up each) several times.
export const timeout = 30_000

/** A sandbox with a test server linked at `<root>/buildkitd.sock`. */
export const setup = (options: BuildkitTestServerOptions) =>
  Effect.gen(function* () {
    const sandbox = yield* makeSandbox
    const server = yield* BuildkitTestServer.make(options)
    const endpoint = yield* sandbox.linkSocket(server.address)
    return { sandbox, server, endpoint }
  })

/** Runs the CLI and checks that the store and config folders are byte for byte what they were. */
export const runUnchanged = (sandbox: Sandbox, args: ReadonlyArray<string>): Effect.Effect<CliResult> =>
  Effect.gen(function* () {
    const before = yield* sandbox.snapshot
    const result = yield* sandbox.run(args)
    expect(yield* sandbox.snapshot).toEqual(before)
    return result
  })

export const expectResult = (result: CliResult, expected: Expected): void => {
  // Soft, so a wrong output still lets the connection and call checks that follow report.
  expect.soft({ stdout: result.stdout, stderr: result.stderr, code: result.code }).toEqual(expected)
}

/** Waits until the CLI's connections are all gone, then returns what the server saw. */
export const closedStats = (server: BuildkitTestServer) =>
  Effect.gen(function* () {
    yield* server
      .awaitNoConnections()
      .pipe(Effect.mapError((stats) => new Error(`still open: ${JSON.stringify(stats)}`)))
    return yield* server.stats
  }).pipe(Effect.orDie)

export const callCounts = (stats: BuildkitTestServerStats) => ({
  connectionsOpened: stats.connectionsOpened,
  connectionsOpen: stats.connectionsOpen,
  calls: stats.calls
})

/** Polls until the scripted server has no open connection (up to 3s) and returns how many are left. */
export const awaitNoConnections = (open: () => number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 3_000
    while (open() > 0 && Date.now() < deadline) yield* Effect.sleep("20 millis")
    return open()
  })
