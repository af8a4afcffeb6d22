/**
 * Ctrl-C during a load: the CLI interrupts its fibers (exit code 130, as buildx for a cancelled
 * context) rather than dying by the signal. That in-process scopes close their connections on
 * interruption is proven by the loader's properties; here the whole command is checked.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BuildkitTestServer } from "../../adapters/test/support/buildkit-server.js"
import { cliBin, makeSandbox } from "./support/sandbox.js"

describe("interruption", () => {
  it.scopedLive(
    "stops a load on SIGINT with exit code 130, leaving no connection open",
    () =>
      Effect.gen(function* () {
        const box = yield* makeSandbox
        const server = yield* BuildkitTestServer.make({
          workers: [{ ID: "w0" }],
          delays: { listWorkers: "30 seconds" }
        })
        const endpoint = yield* box.linkSocket(server.address)
        const node = (name: string) => ({
          Name: name,
          Endpoint: endpoint,
          Platforms: null,
          DriverOpts: null,
          Flags: null,
          Files: null
        })
        yield* box.writeInstance({ Name: "rb", Driver: "remote", Nodes: [node("rb0"), node("rb1")], Dynamic: false })
        const child = spawn(process.execPath, [cliBin, "ls", "--timeout", "0"], {
          cwd: box.root,
          env: {
            HOME: join(box.root, "home"),
            DOCKER_CONFIG: join(box.root, "cfg"),
            BUILDX_CONFIG: join(box.root, "buildx"),
            DOCKER_HOST: box.dockerHost
          }
        })
        const exited = Effect.async<number | null>((resume) => {
          child.on("exit", (code) => resume(Effect.succeed(code)))
        })
        // Both nodes are waiting on their ListWorkers when the signal comes.
        yield* server.awaitCalls(2).pipe(Effect.orDie)
        expect((yield* server.stats).connectionsOpen).toBeGreaterThan(0)
        child.kill("SIGINT")
        const code = yield* exited.pipe(Effect.timeout("10 seconds"))
        expect(code).toBe(130)
        yield* server.awaitNoConnections().pipe(Effect.orDie)
      }),
    30_000
  )
})
