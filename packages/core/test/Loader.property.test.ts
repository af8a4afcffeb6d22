/**
 * Properties of loadNodes over generated node groups and generated driver outcomes. Each property
 * runs with a fixed seed (FC_SEED overrides it); fast-check prints the seed and path on failure.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, Fiber, Layer, Ref } from "effect"
import fc from "fast-check"
import { type Builder, DriverError, loadNodes, nodeStatus, withinDeadline } from "../src/index.js"
import {
  type FakeOutcome,
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

const seed = Number(process.env.FC_SEED ?? 20261204)
const runs = { seed, numRuns: 60 }

type Kind = "ok" | "create" | "info" | "inactive" | "workers" | "unimplemented" | "dynamic"
const kinds: ReadonlyArray<Kind> = ["ok", "create", "info", "inactive", "workers", "unimplemented", "dynamic"]

const outcomeOf = (kind: Kind, index: number): FakeOutcome => {
  switch (kind) {
    case "ok":
      return { workers: [worker(`w${index}`, ["linux/amd64", `linux/arm/v${5 + (index % 3)}`])] }
    case "create":
      return { create: DriverError.make({ driver: "fake", detail: `bad option ${index}` }) }
    case "info":
      return { info: DriverError.make({ driver: "fake", detail: `down ${index}: driver not connecting` }) }
    case "inactive":
      return { info: { status: "inactive", dynamicNodes: [] } }
    case "workers":
      return { workers: grpcFailure("UNAVAILABLE", `failed to list workers: gone ${index}`) }
    case "unimplemented":
      return { buildkitInfo: grpcFailure("UNIMPLEMENTED", "no Info"), driverVersion: `v0.${index}+driver` }
    case "dynamic":
      return {
        info: {
          status: "running",
          dynamicNodes: [
            { name: `pod${index}`, endpoint: "", platforms: [], driverOpts: {}, buildkitdFlags: [], files: {} }
          ]
        }
      }
  }
}

const groupArb = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), { minLength: 0, maxLength: 7 })
  .chain((names) =>
    fc.tuple(
      fc.constant(names),
      fc.array(fc.constantFrom(...kinds), { minLength: names.length, maxLength: names.length })
    )
  )

const setup = (names: ReadonlyArray<string>, plan: ReadonlyArray<Kind>, tally: Tally) => {
  const nodes = names.map((name, i) => ({ name, endpoint: `tcp://${name}:${i}` }))
  const outcomes = Object.fromEntries(nodes.map((n, i) => [n.endpoint, outcomeOf(plan[i] ?? "ok", i)]))
  const group = storedGroup("gen", "fake", nodes)
  const builder: Builder = {
    name: "gen",
    driver: "fake",
    nodeGroup: group,
    dockerContext: false,
    lastActivity: undefined,
    nodes: undefined,
    error: undefined
  }
  const layer = Layer.mergeAll(factories(fakeFactory("fake", outcomes, tally)), memoryDocker([]), memoryContexts([]))
  return { builder, outcomes, layer, nodes }
}

/** Node `index` of the generated group, loaded on its own with no deadline. */
const loadAlone = (names: ReadonlyArray<string>, plan: ReadonlyArray<Kind>, index: number) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const tally = yield* makeTally
      const { builder, layer } = setup(names, plan, tally)
      const nodes = builder.nodeGroup.nodes.slice(index, index + 1)
      return yield* loadNodes({ ...builder, nodeGroup: { ...builder.nodeGroup, nodes } }, { data: true }).pipe(
        Effect.provide(layer)
      )
    })
  )

const summary = (
  node: { readonly error?: { readonly message: string } | undefined } & Parameters<typeof nodeStatus>[0]
) => ({
  name: node.name,
  status: nodeStatus(node),
  error: node.error?.message,
  version: node.version,
  platforms: node.platforms
})

const check = (property: fc.IAsyncProperty<[[string[], Kind[]]]>) => Effect.promise(() => fc.assert(property, runs))

describe("loadNodes properties", () => {
  it.effect("keeps the stored order and never lets one node change another", () =>
    check(
      fc.asyncProperty(groupArb, async ([names, plan]) => {
        const together = await Effect.runPromise(
          Effect.gen(function* () {
            const tally = yield* makeTally
            const { builder, layer } = setup(names, plan, tally)
            return yield* loadNodes(builder, { data: true }).pipe(Effect.provide(layer))
          })
        )
        const dynamic = plan.length > 0 && plan.every((k) => k === "dynamic")
        if (!dynamic) {
          expect(together.nodes.map((n) => n.name)).toEqual(names)
        }
        // Each node alone gives the same result as among the others.
        for (const [i, name] of names.entries()) {
          const alone = await loadAlone(names, plan, i)
          const expected = alone.nodes.map(summary)
          const actual = together.nodes.filter((n) => n.name === name).map(summary)
          if (!dynamic || plan[i] === "dynamic") {
            expect(actual.length).toBeGreaterThan(0)
            expect(actual[0]).toEqual(expected[0])
          }
        }
      })
    )
  )

  it.effect("replaces nodes by dynamic nodes exactly when every node has them", () =>
    check(
      fc.asyncProperty(groupArb, async ([names, plan]) => {
        const loaded = await Effect.runPromise(
          Effect.gen(function* () {
            const tally = yield* makeTally
            const { builder, layer } = setup(names, plan, tally)
            return yield* loadNodes(builder, { data: true }).pipe(Effect.provide(layer))
          })
        )
        const expectDynamic = plan.every((k) => k === "dynamic")
        expect(loaded.nodeGroup.dynamic).toBe(expectDynamic)
        expect(loaded.nodeGroup.nodes.map((n) => n.name)).toEqual(expectDynamic ? plan.map((_, i) => `pod${i}`) : names)
      })
    )
  )

  it.effect("has every node in flight at once", () =>
    check(
      fc.asyncProperty(groupArb, async ([names]) => {
        const result = await Effect.runPromise(
          Effect.gen(function* () {
            const tally = yield* makeTally
            const latch = yield* Effect.makeLatch(false)
            // Every node waits at Info until all nodes have arrived: loading one at a time deadlocks.
            const gate = Effect.gen(function* () {
              if ((yield* Ref.get(tally.infoCalls)) === names.length) {
                yield* latch.open
              }
              yield* latch.await
            })
            const { builder, layer } = setup(
              names,
              names.map(() => "ok" as const),
              tally
            )
            const gated = Layer.mergeAll(
              factories(
                fakeFactory(
                  "fake",
                  Object.fromEntries(builder.nodeGroup.nodes.map((n) => [n.endpoint, { gate }])),
                  tally
                )
              ),
              layer
            )
            return yield* loadNodes(builder, { data: true }).pipe(
              Effect.provide(gated),
              Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("nodes did not run at once") })
            )
          })
        )
        expect(result.nodes.every((n) => n.error === undefined)).toBe(true)
      })
    )
  )

  it.live(
    "fails slow nodes at the deadline without changing any other node",
    () =>
      check(
        fc.asyncProperty(groupArb, async ([names, plan]) => {
          // Some nodes answer Info only after a minute; like the adapters, they honour the deadline.
          const slow = names.map((_, i) => i % 3 === 1)
          const answer = { status: "running" as const, dynamicNodes: [] }
          const expired = () =>
            DriverError.make({ driver: "fake", detail: "context deadline exceeded: driver not connecting" })
          const load = (deadline: number | undefined) =>
            Effect.runPromise(
              Effect.gen(function* () {
                const tally = yield* makeTally
                const { builder, outcomes } = setup(names, plan, tally)
                const slowed = Object.fromEntries(
                  Object.entries(outcomes).map(([endpoint, outcome], i) => [
                    endpoint,
                    slow[i]
                      ? {
                          ...outcome,
                          slowInfo: withinDeadline(Effect.as(Effect.sleep("1 minute"), answer), expired)
                        }
                      : outcome
                  ])
                )
                const layer = Layer.mergeAll(
                  factories(fakeFactory("fake", slowed, tally)),
                  memoryDocker([]),
                  memoryContexts([])
                )
                const now = yield* Clock.currentTimeMillis
                return yield* loadNodes(
                  builder,
                  deadline === undefined ? { data: true } : { data: true, deadline: now + deadline }
                ).pipe(
                  Effect.provide(layer),
                  Effect.timeoutFail({
                    duration: "5 seconds",
                    onTimeout: () => new Error("the deadline did not end the load")
                  })
                )
              })
            )
          const bounded = await load(150)
          const dynamic = plan.length > 0 && plan.every((k) => k === "dynamic")
          if (dynamic) return
          for (const [i, node] of bounded.nodes.entries()) {
            if (slow[i] && plan[i] !== "create") {
              expect(node.error?.message).toBe("context deadline exceeded: driver not connecting")
            } else {
              // A fast node is loaded as it would be alone, with no deadline at all.
              const alone = await loadAlone(names, plan, i)
              expect(summary(node)).toEqual(alone.nodes.map(summary)[0])
            }
          }
        }),
        15
      ),
    30_000
  )

  it.effect("closes every client an interrupted load opened", () =>
    check(
      fc.asyncProperty(groupArb, async ([names, plan]) => {
        const [opened, closed, expectedOpen] = await Effect.runPromise(
          Effect.gen(function* () {
            const tally = yield* makeTally
            const reached = yield* Ref.make(0)
            const running = plan.filter((k) => ["ok", "unimplemented", "workers", "dynamic"].includes(k)).length
            const allThere = yield* Effect.makeLatch(running === 0)
            const workersGate = Effect.gen(function* () {
              if ((yield* Ref.updateAndGet(reached, (n) => n + 1)) === running) {
                yield* allThere.open
              }
              yield* Effect.never
            })
            const { builder, outcomes } = setup(names, plan, tally)
            const blocked = Object.fromEntries(
              Object.entries(outcomes).map(([endpoint, outcome]) => [endpoint, { ...outcome, workersGate }])
            )
            const layer = Layer.mergeAll(
              factories(fakeFactory("fake", blocked, tally)),
              memoryDocker([]),
              memoryContexts([])
            )
            const fiber = yield* Effect.fork(loadNodes(builder, { data: true }).pipe(Effect.provide(layer)))
            yield* allThere.await
            const exit = yield* Fiber.interrupt(fiber)
            expect(Exit.isInterrupted(exit) || running === 0).toBe(true)
            return [yield* Ref.get(tally.opened), yield* Ref.get(tally.closed), running] as const
          })
        )
        expect(opened).toBe(expectedOpen)
        expect(closed).toBe(opened)
      })
    )
  )
})
