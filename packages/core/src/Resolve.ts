/**
 * Builder resolution (SPEC §2): by name (store first, then docker contexts), the current builder
 * of the current docker endpoint, and the `ls` listing order. Read-only: where buildx rewrites
 * `current` during a read, this computes the same answer and writes nothing.
 */
import { Effect, Either } from "effect"
import { BuilderNotFound, ContextStoreError, type InvalidBuilderName, type StoreError } from "./Errors.js"
import { compareGoStrings } from "./GoText.js"
import type { Builder } from "./Node.js"
import { contextNodeGroup } from "./NodeGroup.js"
import { BuilderStore, ContextStore, type StoredBuilder } from "./Services.js"
import { validateBuilderName } from "./Validate.js"

/** Everything resolution can fail with; each aborts the command as it does in buildx. */
export type ResolveError = StoreError | ContextStoreError | BuilderNotFound | InvalidBuilderName

const fromStore = (stored: StoredBuilder): Builder => ({
  name: stored.nodeGroup.name,
  driver: stored.nodeGroup.driver,
  nodeGroup: stored.nodeGroup,
  dockerContext: false,
  lastActivity: stored.lastActivity,
  nodes: undefined,
  error: undefined
})

/** The store instance of a name, or none when the name is invalid or has no instance file. */
const storeInstance = (name: string) =>
  Effect.flatMap(BuilderStore, (store) =>
    Either.isLeft(validateBuilderName(name)) ? Effect.succeed(undefined) : store.byName(name)
  )

/** buildx `GetNodeGroup`: a store instance, else a docker context of exactly that name. */
export const builderByName = (name: string): Effect.Effect<Builder, ResolveError, BuilderStore | ContextStore> =>
  Effect.gen(function* () {
    const stored = yield* storeInstance(name)
    if (stored !== undefined) {
      return fromStore(stored)
    }
    const contexts = yield* ContextStore
    const context = (yield* contexts.list).find((c) => c.name === name)
    if (context === undefined) {
      return yield* BuilderNotFound.make({ name })
    }
    const store = yield* BuilderStore
    const lastActivity = yield* store.activity(name)
    return {
      name,
      driver: "",
      nodeGroup: contextNodeGroup(name),
      dockerContext: true,
      lastActivity,
      nodes: undefined,
      error: undefined
    } satisfies Builder
  })

/** The store key of the current docker endpoint: the context name, or the default context's host. */
export const currentEndpointKey: Effect.Effect<string, ContextStoreError, ContextStore> = Effect.gen(function* () {
  const contexts = yield* ContextStore
  if (contexts.currentName !== "default") {
    return contexts.currentName
  }
  // buildx replaces any failure to read the default endpoint (bad DOCKER_HOST, missing TLS files) by this text.
  const notFound = (cause?: ContextStoreError) =>
    new ContextStoreError({
      context: "default",
      detail: 'docker endpoint for "default" not found',
      ...(cause === undefined ? {} : { cause })
    })
  const context = yield* contexts.get("default").pipe(Effect.mapError(notFound))
  if (context?.docker === undefined) {
    return yield* notFound()
  }
  return context.docker.host
})

/** A store lookup that treats any failure as "does not load", as `Txn.Current` does. */
const loads = (name: string) =>
  storeInstance(name).pipe(
    Effect.map((stored) => (stored === undefined ? undefined : fromStore(stored))),
    Effect.orElseSucceed(() => undefined)
  )

/** buildx `Txn.Current`: the `current` pointer (global, or for this key), else `defaults/<hash(key)>`. */
const currentInstance = (key: string): Effect.Effect<Builder | undefined, StoreError, BuilderStore> =>
  Effect.gen(function* () {
    const store = yield* BuilderStore
    const pointer = yield* store.current
    if (pointer !== undefined && pointer.name !== "") {
      if (pointer.global) {
        const global = yield* loads(pointer.name)
        if (global !== undefined) {
          return global
        }
      }
      if (pointer.key === key) {
        // The pointer names this endpoint: its builder or nothing, never the defaults file.
        return yield* loads(pointer.name)
      }
    }
    const fallback = yield* store.defaultFor(key)
    return fallback === undefined ? undefined : yield* loads(fallback)
  })

/** buildx `GetCurrentInstance`: the current store builder, else the builder of the current context. */
export const currentBuilder: Effect.Effect<Builder, ResolveError, BuilderStore | ContextStore> = Effect.gen(
  function* () {
    const key = yield* currentEndpointKey
    const current = yield* currentInstance(key)
    if (current !== undefined) {
      return current
    }
    const contexts = yield* ContextStore
    return yield* builderByName(contexts.currentName)
  }
)

/**
 * buildx `GetBuilders`: store instances by name, each re-resolved by name, then docker contexts in
 * byte order, skipping those a store instance of the same (exact) name shadows.
 */
export const listBuilders: Effect.Effect<
  ReadonlyArray<Builder>,
  ResolveError,
  BuilderStore | ContextStore
> = Effect.gen(function* () {
  const store = yield* BuilderStore
  const contexts = yield* ContextStore
  const instances = yield* store.list
  const allContexts = yield* contexts.list
  const fromInstances = yield* Effect.forEach(instances, (stored) => builderByName(stored.nodeGroup.name))
  const seen = new Set(fromInstances.map((b) => b.name))
  const sorted = [...allContexts].sort((a, b) => compareGoStrings(a.name, b.name)).filter((c) => !seen.has(c.name))
  const fromContexts = yield* Effect.forEach(sorted, (context) => builderByName(context.name))
  return [...fromInstances, ...fromContexts]
})
