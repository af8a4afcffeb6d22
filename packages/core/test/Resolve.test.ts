import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { builderByName, ContextStore, ContextStoreError, currentBuilder, listBuilders } from "../src/index.js"
import { dockerContext, type MemoryStore, memoryContexts, memoryStore, storedGroup } from "./support/memory.js"

const instance = (name: string) => ({
  nodeGroup: storedGroup(name, "docker-container", [{ name: `${name}0`, endpoint: "unix:///x" }]),
  lastActivity: undefined
})

const run = <A, E>(
  effect: Effect.Effect<A, E, import("../src/index.js").BuilderStore | import("../src/index.js").ContextStore>,
  store: MemoryStore,
  contexts: Parameters<typeof memoryContexts> = [[]]
) => effect.pipe(Effect.provide(Layer.merge(memoryStore(store), memoryContexts(...contexts))))

describe("builder resolution", () => {
  it.effect("prefers a store instance over a context of the same name", () =>
    Effect.gen(function* () {
      const found = yield* run(builderByName("ci"), { instances: [instance("ci")] }, [
        [dockerContext("ci", "unix:///c")]
      ])
      expect([found.name, found.dockerContext, found.driver]).toEqual(["ci", false, "docker-container"])
      const context = yield* run(builderByName("ci"), { instances: [] }, [[dockerContext("ci", "unix:///c")]])
      expect(context.dockerContext).toBe(true)
      expect(context.nodeGroup.nodes.map((n) => [n.name, n.endpoint])).toEqual([["ci", "ci"]])
    })
  )

  it.effect("looks up store names case-insensitively and contexts exactly", () =>
    Effect.gen(function* () {
      const found = yield* run(builderByName("MyBuilder"), { instances: [instance("mybuilder")] })
      expect(found.name).toBe("mybuilder")
      const missing = yield* Effect.either(
        run(builderByName("Ctx"), { instances: [] }, [[dockerContext("ctx", "unix:///c")]])
      )
      expect(Either.isLeft(missing) && missing.left.message).toBe('no builder "Ctx" found')
    })
  )

  it.effect("treats an invalid name as a context name", () =>
    Effect.gen(function* () {
      const found = yield* run(builderByName("1ctx"), { instances: [] }, [[dockerContext("1ctx", "unix:///c")]])
      expect(found.dockerContext).toBe(true)
      const missing = yield* Effect.either(run(builderByName('a"b'), { instances: [] }))
      expect(Either.isLeft(missing) && missing.left.message).toBe('no builder "a\\"b" found')
    })
  )

  it.effect("reads a context builder's activity from the store", () =>
    Effect.gen(function* () {
      const at = new Date("2024-05-06T07:08:09Z")
      const found = yield* run(builderByName("default"), { instances: [], activity: { default: at } })
      expect(found.lastActivity).toEqual(at)
    })
  )

  it.effect("follows the current pointer for its key, globally, or the defaults file (example 40, read side)", () =>
    Effect.gen(function* () {
      const store = (data: Partial<MemoryStore>): MemoryStore => ({
        instances: [instance("mybuild"), instance("other")],
        ...data
      })
      const key = "unix:///var/run/docker.sock"
      const name = (data: Partial<MemoryStore>, contexts: Parameters<typeof memoryContexts> = [[]]) =>
        Effect.map(run(currentBuilder, store(data), contexts), (b) => b.name)
      expect(yield* name({ current: { key, name: "mybuild", global: false } })).toBe("mybuild")
      // Another key: the pointer does not apply, no defaults → the context builder.
      expect(yield* name({ current: { key: "foo", name: "mybuild", global: false } })).toBe("default")
      expect(yield* name({ current: { key: "foo", name: "mybuild", global: true } })).toBe("mybuild")
      expect(yield* name({ current: { key: "foo", name: "", global: false }, defaults: { [key]: "other" } })).toBe(
        "other"
      )
      // The pointer names this key but its builder is gone: no fallback to the defaults file.
      expect(yield* name({ current: { key, name: "gone", global: false }, defaults: { [key]: "other" } })).toBe(
        "default"
      )
      // A non-default context is its own key.
      expect(
        yield* name({ defaults: { work: "other" } }, [[dockerContext("work", "unix:///w")], { currentName: "work" }])
      ).toBe("other")
      expect(yield* name({}, [[dockerContext("work", "unix:///w")], { currentName: "work" }])).toBe("work")
    })
  )

  it.effect("finds no current instance in an empty store and falls back to the context (example 41)", () =>
    Effect.gen(function* () {
      const current = yield* run(currentBuilder, { instances: [] })
      expect([current.name, current.dockerContext]).toEqual(["default", true])
    })
  )

  it.effect("fails when the current context has no builder", () =>
    Effect.gen(function* () {
      const result = yield* Effect.either(run(currentBuilder, { instances: [] }, [[], { currentName: "gone" }]))
      expect(Either.isLeft(result) && result.left.message).toBe('no builder "gone" found')
    })
  )

  it.effect("lists store instances by name, then contexts in byte order without shadowed names", () =>
    Effect.gen(function* () {
      const builders = yield* run(listBuilders, { instances: [instance("zeta"), instance("alpha"), instance("foo")] }, [
        [dockerContext("foo", "unix:///f"), dockerContext("beta", "unix:///b"), dockerContext("Zed", "unix:///z")]
      ])
      expect(builders.map((b) => [b.name, b.dockerContext])).toEqual([
        ["alpha", false],
        ["foo", false],
        ["zeta", false],
        ["Zed", true],
        ["beta", true],
        ["default", true]
      ])
    })
  )

  it.effect("lists a context whose name differs only in case from an instance as that instance again", () =>
    Effect.gen(function* () {
      const builders = yield* run(listBuilders, { instances: [instance("foo")] }, [[dockerContext("Foo", "unix:///f")]])
      expect(builders.map((b) => [b.name, b.dockerContext])).toEqual([
        ["foo", false],
        ["foo", false],
        ["default", true]
      ])
    })
  )
})

describe("current endpoint key", () => {
  it.effect("words any failure to read the default context as buildx does", () =>
    Effect.gen(function* () {
      const broken = Layer.succeed(ContextStore, {
        list: Effect.succeed([]),
        get: () => Effect.fail(ContextStoreError.make({ detail: "open /x/ca.pem: no such file or directory" })),
        currentName: "default"
      })
      const result = yield* Effect.either(
        currentBuilder.pipe(Effect.provide(Layer.merge(memoryStore({ instances: [] }), broken)))
      )
      expect(Either.isLeft(result) && result.left.message).toBe('docker endpoint for "default" not found')
      expect(Either.isLeft(result) && result.left._tag === "ContextStoreError" && result.left.cause).toBeDefined()
    })
  )
})
