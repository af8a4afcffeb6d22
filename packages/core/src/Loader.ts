/**
 * LoadNodes (SPEC §3): every stored node of a builder loaded at once, each node's failure kept on
 * that node, the builder failing only when no driver factory can be chosen.
 */
import { Clock, Effect, Either, Ref, type Scope } from "effect"
import { CurrentDeadline } from "./Deadline.js"
import {
  type BuilderError,
  type BuildkitError,
  ContextStoreError,
  DeadlineExceeded,
  DriverError,
  type LoadFailure,
  type NodeError,
  NodeStepError
} from "./Errors.js"
import { compareGoStrings, goQuote } from "./GoText.js"
import type { Builder, Node } from "./Node.js"
import { zeroNode } from "./Node.js"
import type { NodeGroup, StoredNode } from "./NodeGroup.js"
import * as Platforms from "./Platform.js"
import {
  BuildkitdConfig,
  ContextStore,
  DockerApi,
  type Driver,
  DriverFactories,
  type DriverFactory
} from "./Services.js"

/** How a load is done. One record; every field has the meaning of the buildx option it mirrors. */
export interface LoadOptions {
  /** Query each driver (buildx `WithData`); `ls` and `inspect` always do. */
  readonly data: boolean
  /** Also ask each driver for its feature flags (`inspect --debug`). */
  readonly features?: boolean
  /** Extra headers for the docker driver's `/grpc` upgrade and for default-factory probing. */
  readonly dialMeta?: Readonly<Record<string, ReadonlyArray<string>>>
  /** The proxy map of the current docker host (SPEC §1.2), copied to every node. */
  readonly proxyConfig?: Readonly<Record<string, string>>
  /** Epoch milliseconds by which every load must end (`--timeout`); unbounded when absent. */
  readonly deadline?: number
}

/**
 * A driver buildx has and buildlens does not yet: it takes part in the default-driver choice with
 * buildx's priorities, so a context builder shows the driver buildx would pick, and its nodes say
 * plainly that buildlens cannot load them.
 */
export const plannedDriverFactory = (
  name: string,
  priority: { readonly withDockerApi: number; readonly withoutDockerApi: number }
): DriverFactory => ({
  name,
  allowsInstances: true,
  priority: (probe) =>
    Effect.succeed(probe.dockerApi === undefined ? priority.withoutDockerApi : priority.withDockerApi),
  create: () =>
    Effect.fail(DriverError.make({ driver: name, detail: `the ${name} driver is not supported by buildlens yet` }))
})

/** The driver prefix of buildx container and pod names. */
export const driverNamePrefix = "buildx_buildkit_"

/** A loaded node plus the driver features asked for with `LoadOptions.features`. */
export interface LoadedNode extends Node {
  readonly features: Readonly<Record<string, boolean>> | undefined
}

/** A builder after loadNodes: one loaded node per stored node (or per pod after dynamic replacement). */
export interface LoadedBuilder extends Builder {
  readonly nodes: ReadonlyArray<LoadedNode>
}

type LoadContext = DriverFactories | DockerApi | ContextStore | BuildkitdConfig

/**
 * Loads every node of `builder`. Never fails: a factory or ping failure becomes the builder's
 * `error` (with one zero node per stored node, as buildx allocates them), node failures stay on nodes.
 */
export const loadNodes = (builder: Builder, options: LoadOptions): Effect.Effect<LoadedBuilder, never, LoadContext> =>
  Effect.gen(function* () {
    const zero = builder.nodeGroup.nodes.map((): LoadedNode => ({ ...zeroNode(builder.name), features: undefined }))
    const chosen = yield* withDeadline(chooseFactory(builder, options), options.deadline, () =>
      DeadlineExceeded.make({ builder: builder.name })
    ).pipe(Effect.either)
    if (Either.isLeft(chosen)) {
      return { ...builder, nodes: zero, error: chosen.left }
    }
    const factory = chosen.right
    // buildx `ImageOpt`: the first node's buildkitd.toml must parse, or the whole builder fails.
    const config = builder.nodeGroup.nodes[0]?.files["buildkitd.toml"]
    if (config !== undefined) {
      const checked = yield* Effect.flatMap(BuildkitdConfig, (c) => c.check(builder.name, config)).pipe(Effect.either)
      if (Either.isLeft(checked)) {
        return { ...builder, driver: factory.name, nodes: zero, error: checked.left }
      }
    }
    const loaded = yield* Effect.forEach(builder.nodeGroup.nodes, (node) => loadNode(builder, factory, node, options), {
      concurrency: "unbounded"
    })
    const withDriver: Builder = { ...builder, driver: factory.name }
    return options.data ? replaceDynamic(withDriver, loaded) : { ...withDriver, nodes: loaded }
  }).pipe(Effect.annotateLogs({ builder: builder.name }))

// Adapters bound their own calls by the deadline; this outer bound, a little later, only guarantees that a
// call which ignores it cannot hold the load past the deadline for long.
const deadlineGraceMs = 1000

const withDeadline = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  deadline: number | undefined,
  onTimeout: () => DeadlineExceeded
): Effect.Effect<A, E | DeadlineExceeded, R> =>
  deadline === undefined
    ? self
    : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.timeoutFail(Effect.locally(self, CurrentDeadline, deadline), {
          duration: Math.max(0, deadline + deadlineGraceMs - now),
          onTimeout
        })
      )

/** SPEC §3.2 step 2: the named factory, or for context builders ping then the lowest priority. */
const chooseFactory = (
  builder: Builder,
  options: LoadOptions
): Effect.Effect<DriverFactory, BuilderError, LoadContext> =>
  Effect.gen(function* () {
    const factories = yield* DriverFactories
    const wanted = builder.nodeGroup.driver
    if (wanted !== "") {
      const factory = factories.find((f) => f.name === wanted)
      if (factory === undefined) {
        return yield* DriverError.make({ driver: wanted, detail: `failed to find driver ${goQuote(wanted)}` })
      }
      if (!factory.allowsInstances) {
        return yield* DriverError.make({
          driver: wanted,
          detail: `additional instances of driver ${goQuote(wanted)} cannot be created`
        })
      }
      return factory
    }
    const first = builder.nodeGroup.nodes[0]
    if (first === undefined) {
      return yield* DriverError.make({ driver: "", detail: "no nodes to choose a default driver for" })
    }
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const dockerApi = yield* dockerClientFor(first.endpoint)
        yield* dockerApi.ping
        const probe = { endpoint: first.endpoint, dockerApi, dialMeta: options.dialMeta ?? {} }
        const ranked = yield* Effect.forEach(factories, (f) => Effect.map(f.priority(probe), (p) => [p, f] as const), {
          concurrency: "unbounded"
        })
        const best = ranked.reduce<readonly [number, DriverFactory] | undefined>(
          (acc, entry) => (acc === undefined || entry[0] < acc[0] ? entry : acc),
          undefined
        )
        if (best === undefined) {
          return yield* DriverError.make({ driver: "", detail: "no drivers available" })
        }
        return best[1]
      })
    )
  })

/**
 * SPEC §3.3: a context of exactly that name lends its docker endpoint; any other string is taken
 * as a docker host (validated, not contacted, by the adapter).
 */
export const dockerClientFor = (endpoint: string) =>
  Effect.gen(function* () {
    const contexts = yield* ContextStore
    const docker = yield* DockerApi
    const context = yield* contexts.get(endpoint)
    if (context !== undefined) {
      if (context.docker === undefined) {
        return yield* ContextStoreError.make({ context: endpoint, detail: "cannot find docker endpoint in context" })
      }
      return yield* docker.client(context.docker)
    }
    return yield* docker.client({ host: endpoint, skipTLSVerify: false, tls: undefined })
  })

const loadNode = (
  builder: Builder,
  factory: DriverFactory,
  stored: StoredNode,
  options: LoadOptions
): Effect.Effect<LoadedNode, never, DockerApi | ContextStore> =>
  Effect.gen(function* () {
    const progress = yield* Ref.make<LoadedNode>({
      ...zeroNode(builder.name),
      ...stored,
      storedPlatforms: stored.platforms,
      builder: builder.name,
      driver: factory.name,
      proxyConfig: options.proxyConfig ?? {},
      features: undefined
    })
    const steps = Effect.scoped(
      Effect.gen(function* () {
        const dockerApi = yield* dockerClientFor(stored.endpoint)
        const driver = yield* factory.create({
          name: driverNamePrefix + stored.name,
          builder: builder.name,
          node: stored,
          endpoint: stored.endpoint,
          dockerApi,
          driverOpts: stored.driverOpts,
          buildkitdFlags: stored.buildkitdFlags,
          files: stored.files,
          platforms: stored.platforms,
          dialMeta: options.dialMeta ?? {}
        })
        if (options.data) {
          yield* loadData(driver, stored, progress)
        }
        if (options.features === true) {
          // buildx's Features cannot fail: a driver that cannot tell reports none.
          const features = yield* Effect.orElseSucceed(driver.features, () => ({}))
          yield* Ref.update(progress, (node) => ({ ...node, features }))
        }
      })
    )
    const outcome = yield* withDeadline(steps, options.deadline, () =>
      DeadlineExceeded.make({ builder: builder.name, node: stored.name })
    ).pipe(Effect.either)
    const node = yield* Ref.get(progress)
    return Either.isLeft(outcome) ? { ...node, error: outcome.left satisfies NodeError } : node
  }).pipe(Effect.annotateLogs({ node: stored.name, driver: factory.name }))

/** SPEC §3.4. Each result lands in `progress` as soon as it is known, so a later failure keeps it. */
const loadData = (
  driver: Driver,
  stored: StoredNode,
  progress: Ref.Ref<LoadedNode>
): Effect.Effect<void, LoadFailure | NodeStepError, Scope.Scope> =>
  Effect.gen(function* () {
    const info = yield* driver.info
    yield* Ref.update(progress, (node) => ({ ...node, driverInfo: info }))
    if (info.status !== "running") {
      return
    }
    const client = yield* driver.client
    const workers = yield* client.listWorkers.pipe(
      Effect.mapError((failure) => NodeStepError.make({ step: "listing workers", failure }))
    )
    const first = workers[0]
    const last = workers[workers.length - 1]
    yield* Ref.update(progress, (node) => ({
      ...node,
      ids: workers.map((w) => w.id).sort(compareGoStrings),
      platforms: Platforms.dedupe([...stored.platforms, ...workers.flatMap((w) => w.platforms)]),
      gcPolicy: first?.gcPolicy ?? [],
      labels: first?.labels ?? {},
      cdiDevices: last?.cdiDevices ?? []
    }))
    const version = yield* client.info.pipe(
      Effect.map((answer) => answer.version),
      Effect.catchAll((failure: BuildkitError) =>
        failure.code === "UNIMPLEMENTED"
          ? driver.version.pipe(
              Effect.mapError((cause) => NodeStepError.make({ step: "getting version", failure: cause }))
            )
          : // buildx drops any other Info failure; we keep it visible at debug level.
            Effect.as(Effect.logDebug("BuildKit Info RPC failed", failure.message), "")
      )
    )
    yield* Ref.update(progress, (node) => ({ ...node, version }))
  })

/**
 * SPEC §3.5: when every node reports dynamic nodes (kubernetes pods), each static node is copied
 * once per pod, keeping the static name, and the stored list becomes the pods.
 */
const replaceDynamic = (builder: Builder, nodes: ReadonlyArray<LoadedNode>): LoadedBuilder => {
  // buildx counts nodes with dynamic nodes against all nodes: an empty builder counts as all-dynamic.
  const allDynamic = nodes.every((n) => (n.driverInfo?.dynamicNodes.length ?? 0) > 0)
  if (!allDynamic) {
    return { ...builder, nodes }
  }
  const copies = nodes.flatMap((node) =>
    (node.driverInfo?.dynamicNodes ?? []).map(
      (dynamic): LoadedNode => ({
        ...node,
        platforms: dynamic.platforms.length > 0 ? dynamic.platforms : node.platforms
      })
    )
  )
  const nodeGroup: NodeGroup = {
    ...builder.nodeGroup,
    nodes: nodes.flatMap((node) => node.driverInfo?.dynamicNodes ?? []),
    dynamic: true
  }
  return { ...builder, nodeGroup, nodes: copies }
}
