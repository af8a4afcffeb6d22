/**
 * In-memory adapters for every core port, for tests that need no daemon. Each fake records what
 * was opened and closed so tests can check structured concurrency and cleanup.
 */
import { Effect, Layer, Ref } from "effect"
import {
  BuilderStore,
  type BuildkitConnection,
  BuildkitdConfig,
  BuildkitdConfigError,
  BuildkitError,
  ContextStore,
  type CurrentPointer,
  DockerApi,
  DockerApiError,
  type DockerClient,
  type DockerContext,
  type DriverError,
  DriverFactories,
  type DriverFactory,
  type DriverInfo,
  type LoadFailure,
  type NodeGroup,
  type StoredBuilder,
  type WorkerInfo
} from "../../src/index.js"

export interface MemoryStore {
  readonly instances: ReadonlyArray<StoredBuilder>
  readonly activity?: Readonly<Record<string, Date>>
  readonly current?: CurrentPointer
  readonly defaults?: Readonly<Record<string, string>>
}

/** A BuilderStore over fixed data; names are looked up lower-cased, as the store files are. */
export const memoryStore = (data: MemoryStore): Layer.Layer<BuilderStore> =>
  Layer.succeed(BuilderStore, {
    list: Effect.succeed([...data.instances].sort((a, b) => (a.nodeGroup.name < b.nodeGroup.name ? -1 : 1))),
    byName: (name) => Effect.succeed(data.instances.find((i) => i.nodeGroup.name.toLowerCase() === name.toLowerCase())),
    activity: (name) => Effect.succeed(data.activity?.[name]),
    current: Effect.succeed(data.current),
    defaultFor: (key) => Effect.succeed(data.defaults?.[key])
  })

/** A context store with the given contexts plus `default` on the given host. */
export const memoryContexts = (
  contexts: ReadonlyArray<DockerContext>,
  options: { readonly currentName?: string; readonly defaultHost?: string } = {}
): Layer.Layer<ContextStore> => {
  const all: ReadonlyArray<DockerContext> = [
    ...contexts,
    {
      name: "default",
      description: "Current DOCKER_HOST based configuration",
      docker: { host: options.defaultHost ?? "unix:///var/run/docker.sock", skipTLSVerify: false, tls: undefined },
      kubernetes: undefined
    }
  ]
  return Layer.succeed(ContextStore, {
    list: Effect.succeed(all),
    get: (name) => Effect.succeed(all.find((c) => c.name === name)),
    currentName: options.currentName ?? "default"
  })
}

export const dockerContext = (name: string, host: string): DockerContext => ({
  name,
  description: "",
  docker: { host, skipTLSVerify: false, tls: undefined },
  kubernetes: undefined
})

/** Docker hosts that answer; any other host is unreachable. Hosts must look like `<proto>://<x>`. */
export const memoryDocker = (reachable: ReadonlyArray<string>): Layer.Layer<DockerApi> =>
  Layer.succeed(DockerApi, {
    client: (endpoint) => {
      if (!/^[a-z0-9+.-]+:\/\/.+/.test(endpoint.host)) {
        return Effect.fail(DockerApiError.make({ endpoint: endpoint.host, reason: "BadHost", detail: "" }))
      }
      const up = reachable.includes(endpoint.host)
      const down = DockerApiError.make({ endpoint: endpoint.host, reason: "Unreachable", detail: "connect ENOENT" })
      const client: DockerClient = {
        endpoint,
        ping: up ? Effect.void : Effect.fail(down),
        serverVersion: up ? Effect.succeed("20.10.24") : Effect.fail(down),
        supportsGrpc: () => Effect.succeed(up),
        grpcTarget: () => (up ? Effect.succeed({ address: "unix:///fake" }) : Effect.fail(down))
      }
      return Effect.succeed(client)
    }
  })

/** What a fake node's driver and BuildKit answer. Unset fields mean "works". */
export interface FakeOutcome {
  readonly create?: DriverError
  readonly info?: DriverInfo | LoadFailure
  readonly workers?: ReadonlyArray<WorkerInfo> | BuildkitError
  /** The Info RPC: a version, or the gRPC code it fails with. */
  readonly buildkitInfo?: string | BuildkitError
  readonly driverVersion?: string | LoadFailure
  /** Runs before Info answers: a latch, a sleep, or never. */
  readonly gate?: Effect.Effect<void>
  /** Replaces the Info answer by an effect (one that waits, or honours the deadline). */
  readonly slowInfo?: Effect.Effect<DriverInfo, LoadFailure>
  /** Runs inside ListWorkers, after the BuildKit client was opened. */
  readonly workersGate?: Effect.Effect<void>
}

/** Counters shared by one fake factory: how many connections were opened and closed. */
export interface Tally {
  readonly opened: Ref.Ref<number>
  readonly closed: Ref.Ref<number>
  readonly infoCalls: Ref.Ref<number>
}

export const makeTally: Effect.Effect<Tally> = Effect.all({
  opened: Ref.make(0),
  closed: Ref.make(0),
  infoCalls: Ref.make(0)
})

export const worker = (id: string, platforms: ReadonlyArray<string>, extra: Partial<WorkerInfo> = {}): WorkerInfo => ({
  id,
  labels: {},
  platforms: platforms.map((p) => {
    const [os = "", architecture = "", variant] = p.split("/")
    return variant === undefined ? { os, architecture } : { os, architecture, variant }
  }),
  gcPolicy: [],
  cdiDevices: [],
  ...extra
})

const isFailure = (value: unknown): value is LoadFailure =>
  typeof value === "object" && value !== null && "_tag" in value

/** A driver factory whose nodes behave as `outcomes[endpoint]` says. */
export const fakeFactory = (
  name: string,
  outcomes: Readonly<Record<string, FakeOutcome>>,
  tally: Tally,
  options: { readonly allowsInstances?: boolean; readonly priority?: number } = {}
): DriverFactory => ({
  name,
  allowsInstances: options.allowsInstances ?? true,
  priority: () => Effect.succeed(options.priority ?? 50),
  create: (config) => {
    const outcome = outcomes[config.endpoint] ?? {}
    if (outcome.create !== undefined) {
      return Effect.fail(outcome.create)
    }
    const info = outcome.info ?? { status: "running", dynamicNodes: [] }
    const connection: BuildkitConnection = {
      listWorkers: Effect.zipRight(
        outcome.workersGate ?? Effect.void,
        isFailure(outcome.workers)
          ? Effect.fail(outcome.workers as BuildkitError)
          : Effect.succeed(
              (outcome.workers as ReadonlyArray<WorkerInfo> | undefined) ?? [worker("w0", ["linux/amd64"])]
            )
      ),
      info:
        typeof outcome.buildkitInfo === "object"
          ? Effect.fail(outcome.buildkitInfo)
          : Effect.succeed({ version: outcome.buildkitInfo ?? "v0.99.0", revision: "", package: "" })
    }
    return Effect.succeed({
      factory: name,
      info: Effect.gen(function* () {
        yield* Ref.update(tally.infoCalls, (n) => n + 1)
        yield* outcome.gate ?? Effect.void
        if (outcome.slowInfo !== undefined) {
          return yield* outcome.slowInfo
        }
        return isFailure(info) ? yield* Effect.fail(info) : info
      }),
      version: isFailure(outcome.driverVersion)
        ? Effect.fail(outcome.driverVersion)
        : Effect.succeed(outcome.driverVersion ?? "v0.0.0-driver"),
      client: Effect.acquireRelease(
        Effect.as(
          Ref.update(tally.opened, (n) => n + 1),
          connection
        ),
        () => Ref.update(tally.closed, (n) => n + 1)
      ),
      features: Effect.succeed({ "Cache export": true })
    })
  }
})

/** The given driver factories, and a buildkitd.toml check that refuses only files starting with `!`. */
export const factories = (...list: ReadonlyArray<DriverFactory>): Layer.Layer<DriverFactories | BuildkitdConfig> =>
  Layer.merge(
    Layer.succeed(DriverFactories, list),
    Layer.succeed(BuildkitdConfig, {
      check: (builder, content) =>
        content[0] === 0x21 ? Effect.fail(BuildkitdConfigError.make({ builder, detail: "toml: bad" })) : Effect.void
    })
  )

export const grpcFailure = (code: BuildkitError["code"], detail: string): BuildkitError =>
  BuildkitError.make({ endpoint: "fake", code, detail })

export const storedGroup = (
  name: string,
  driver: string,
  nodes: ReadonlyArray<{ readonly name: string; readonly endpoint: string; readonly platforms?: ReadonlyArray<string> }>
): NodeGroup => ({
  name,
  driver,
  dynamic: false,
  nodes: nodes.map((n) => ({
    name: n.name,
    endpoint: n.endpoint,
    platforms: worker("", n.platforms ?? []).platforms,
    driverOpts: {},
    buildkitdFlags: [],
    files: {}
  }))
})
