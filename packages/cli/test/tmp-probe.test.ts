import { it } from "@effect/vitest"
import { Effect } from "effect"
import { BuildkitTestServer } from "../../adapters/test/support/buildkit-server.js"
import { makeSandbox } from "./support/sandbox.js"
it.scoped("probe", () => Effect.gen(function* () {
  for (const delays of [{}, { info: "4 seconds" }, { listWorkers: "4 seconds" }]) {
    const sb = yield* makeSandbox
    const server = yield* BuildkitTestServer.make({ workers: [{ ID: "w0" }], delays })
    const ep = yield* sb.linkSocket(server.address)
    yield* sb.writeInstance({ Name: "rb", Driver: "remote", Nodes: [{ Name: "rb0", Endpoint: ep, Platforms: null, DriverOpts: null, Flags: null, Files: null }], Dynamic: false })
    const r = yield* sb.run(["ls", "--timeout", "1s"])
    yield* Effect.sleep("300 millis")
    console.log(JSON.stringify(delays), r.elapsedMs, JSON.stringify(yield* server.stats))
  }
}), 30000)
