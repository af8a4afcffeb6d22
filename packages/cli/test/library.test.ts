/** buildlens embedded as a library: the live layer, core's resolution and loader, no CLI process. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { listBuilders, loadNodes, nodeStatus } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { testDockerHost } from "../../adapters/test/support/dockerd.js"
import { liveLayer } from "../src/index.js"

describe("liveLayer", () => {
  it.scopedLive("answers which builders exist and whether they are healthy", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "buildlens-library-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const layer = liveLayer({
        configDir: join(dir, "config"),
        contextFlag: undefined,
        env: { DOCKER_HOST: testDockerHost(), BUILDX_CONFIG: join(dir, "buildx") }
      })
      const health = yield* Effect.gen(function* () {
        const builders = yield* listBuilders
        const loaded = yield* Effect.forEach(builders, (b) => loadNodes(b, { data: true }), {
          concurrency: "unbounded"
        })
        return loaded.map((b) => ({
          name: b.name,
          driver: b.driver,
          nodes: b.nodes.map((n) => [nodeStatus(n), n.version])
        }))
      }).pipe(Effect.provide(layer))
      expect(health).toEqual([{ name: "default", driver: "docker", nodes: [["running", "v0.8+unknown"]] }])
    })
  )
})
