/**
 * The ports of the loader. Everything outside the pure program (files, the Docker API, BuildKit,
 * kubernetes, the drivers) is one of these Tags; adapters provide them and only the CLI wires them.
 */
import { Context, type Effect, type Scope } from "effect"
import type {
  BuildkitdConfigError,
  BuildkitError,
  ContextStoreError,
  DockerApiError,
  DriverError,
  InvalidBuilderName,
  LoadFailure,
  StoreError
} from "./Errors.js"
import type { DriverInfo, WorkerInfo } from "./Node.js"
import type { NodeGroup, StoredNode } from "./NodeGroup.js"
import type { Platform } from "./Platform.js"

// ---------------------------------------------------------------------------------------------
// Builder store

/** The `current` file: the builder last chosen with `buildx use`, for a key or globally. */
export interface CurrentPointer {
  readonly key: string
  readonly name: string
  readonly global: boolean
}

/** A NodeGroup read from the store with its activity time (zero time → undefined). */
export interface StoredBuilder {
  readonly nodeGroup: NodeGroup
  readonly lastActivity: Date | undefined
}

/** Read-only access to the buildx store (`BUILDX_CONFIG` or `<docker config>/buildx`). */
export interface BuilderStoreService {
  /** Every instance in file-name order, skipping entries whose lower-cased name has no file. */
  readonly list: Effect.Effect<ReadonlyArray<StoredBuilder>, StoreError | InvalidBuilderName>
  /** The instance of this (validated) name; none when its file does not exist. */
  readonly byName: (name: string) => Effect.Effect<StoredBuilder | undefined, StoreError | InvalidBuilderName>
  /** The activity time of a builder name; undefined when never recorded. */
  readonly activity: (name: string) => Effect.Effect<Date | undefined, StoreError>
  readonly current: Effect.Effect<CurrentPointer | undefined, StoreError>
  /** The `defaults/<hash(key)>` builder name for an endpoint key. */
  readonly defaultFor: (key: string) => Effect.Effect<string | undefined, StoreError>
}
/** The buildx store port. */
export class BuilderStore extends Context.Tag("@buildlens/core/BuilderStore")<BuilderStore, BuilderStoreService>() {}

// ---------------------------------------------------------------------------------------------
// Docker contexts

/** PEM files of a context endpoint (`contexts/tls/<id>/<endpoint>/`). */
export interface TlsMaterial {
  readonly ca: Uint8Array | undefined
  readonly cert: Uint8Array | undefined
  readonly key: Uint8Array | undefined
}

/** Where a Docker API lives and how to trust it. */
export interface DockerEndpoint {
  readonly host: string
  readonly skipTLSVerify: boolean
  readonly tls: TlsMaterial | undefined
}

/** The kubernetes endpoint of a docker context, as docker stores it. */
export interface KubernetesEndpoint {
  readonly host: string
  readonly skipTLSVerify: boolean
  readonly defaultNamespace: string
  readonly tls: TlsMaterial | undefined
}

/** A docker context: the stored ones and the synthesized `default`. */
export interface DockerContext {
  readonly name: string
  readonly description: string
  readonly docker: DockerEndpoint | undefined
  readonly kubernetes: KubernetesEndpoint | undefined
}

/** Read-only access to the docker context store, the `default` context included. */
export interface ContextStoreService {
  /** Every context, unsorted, `default` included. */
  readonly list: Effect.Effect<ReadonlyArray<DockerContext>, ContextStoreError>
  /** The context of exactly this name. */
  readonly get: (name: string) => Effect.Effect<DockerContext | undefined, ContextStoreError>
  /** The name of the current context after the CLI's precedence rules (SPEC §1.3). */
  readonly currentName: string
}
/** The docker context store port. */
export class ContextStore extends Context.Tag("@buildlens/core/ContextStore")<ContextStore, ContextStoreService>() {}

// ---------------------------------------------------------------------------------------------
// Docker API

/** A client for one Docker API endpoint. Calls connect lazily. */
export interface DockerClient {
  readonly endpoint: DockerEndpoint
  readonly ping: Effect.Effect<void, DockerApiError>
  /** The daemon's server version string (`GET /version` → `Version`). */
  readonly serverVersion: Effect.Effect<string, DockerApiError>
  /** True when the daemon accepts the `/grpc` h2c upgrade, i.e. embeds BuildKit. */
  readonly supportsGrpc: (dialMeta: Readonly<Record<string, ReadonlyArray<string>>>) => Effect.Effect<boolean>
  /** A BuildKit target reaching the daemon's embedded BuildKit; open while the scope is. */
  readonly grpcTarget: (
    dialMeta: Readonly<Record<string, ReadonlyArray<string>>>
  ) => Effect.Effect<BuildkitTarget, DockerApiError, Scope.Scope>
}

/** Makes Docker API clients. `client` only validates the host; nothing connects until a call. */
export interface DockerApiService {
  readonly client: (endpoint: DockerEndpoint) => Effect.Effect<DockerClient, DockerApiError, Scope.Scope>
}
/** The Docker API port: one client per endpoint. */
export class DockerApi extends Context.Tag("@buildlens/core/DockerApi")<DockerApi, DockerApiService>() {}

// ---------------------------------------------------------------------------------------------
// BuildKit

/** Where a BuildKit `moby.buildkit.v1.Control` service listens: `unix:///path` or `tcp://host:port`. */
export interface BuildkitTarget {
  readonly address: string
  /** The gRPC `:authority`; the URL host when absent. */
  readonly authority?: string
  readonly tls?: {
    readonly ca: Uint8Array | undefined
    readonly cert?: Uint8Array
    readonly key?: Uint8Array
    readonly serverName?: string
  }
}

/** BuildKit's answer to the Info RPC. */
export interface BuildkitInfo {
  readonly version: string
  readonly revision: string
  readonly package: string
}

/** An open BuildKit connection. */
export interface BuildkitConnection {
  readonly listWorkers: Effect.Effect<ReadonlyArray<WorkerInfo>, BuildkitError>
  readonly info: Effect.Effect<BuildkitInfo, BuildkitError>
}

/** Opens BuildKit connections; each is closed when its scope closes. */
export interface BuildkitClientService {
  readonly connect: (target: BuildkitTarget) => Effect.Effect<BuildkitConnection, BuildkitError, Scope.Scope>
}
/** The BuildKit port: opens `moby.buildkit.v1.Control` connections. */
export class BuildkitClient extends Context.Tag("@buildlens/core/BuildkitClient")<
  BuildkitClient,
  BuildkitClientService
>() {}

// ---------------------------------------------------------------------------------------------
// Kubernetes (used by the kubernetes driver issue)

/** A resolved kubernetes client configuration for one endpoint. */
export interface KubeClientConfig {
  readonly server: string
  readonly namespace: string
  readonly context: string
}

/** Resolves kubeconfig files as the kubernetes driver does (explicit path, context name, in-cluster). */
export interface KubeConfigService {
  readonly resolve: (endpoint: string) => Effect.Effect<KubeClientConfig | undefined, DriverError>
}
/** The kubeconfig port (the kubernetes driver uses it). */
export class KubeConfig extends Context.Tag("@buildlens/core/KubeConfig")<KubeConfig, KubeConfigService>() {}

// ---------------------------------------------------------------------------------------------
// buildkitd.toml

/** Parses a stored `buildkitd.toml` as BuildKit's config loader does; only success or the error matters here. */
export interface BuildkitdConfigService {
  readonly check: (builder: string, content: Uint8Array) => Effect.Effect<void, BuildkitdConfigError>
}
/** The buildkitd.toml port: LoadNodes checks the first node's file before loading (buildx `ImageOpt`). */
export class BuildkitdConfig extends Context.Tag("@buildlens/core/BuildkitdConfig")<
  BuildkitdConfig,
  BuildkitdConfigService
>() {}

// ---------------------------------------------------------------------------------------------
// Drivers

/** Everything a driver instance is made from (buildx `driver.InitConfig`). */
export interface DriverConfig {
  /** `buildx_buildkit_<node name>`. */
  readonly name: string
  readonly builder: string
  readonly node: StoredNode
  readonly endpoint: string
  readonly dockerApi: DockerClient | undefined
  readonly driverOpts: Readonly<Record<string, string>>
  readonly buildkitdFlags: ReadonlyArray<string>
  readonly files: Readonly<Record<string, Uint8Array>>
  readonly platforms: ReadonlyArray<Platform>
  readonly dialMeta: Readonly<Record<string, ReadonlyArray<string>>>
}

/** A driver instance for one node. */
export interface Driver {
  readonly factory: string
  readonly info: Effect.Effect<DriverInfo, LoadFailure>
  /** The BuildKit version known to the driver, used when BuildKit lacks the Info RPC. */
  readonly version: Effect.Effect<string, LoadFailure>
  /** A BuildKit connection; the loader asks once per node and closes it with its scope. */
  readonly client: Effect.Effect<BuildkitConnection, LoadFailure, Scope.Scope>
  /** Driver features by buildx's names, for `inspect --debug`. */
  readonly features: Effect.Effect<Readonly<Record<string, boolean>>, LoadFailure>
}

/** What the default-factory choice knows about an endpoint (buildx `Factory.Priority`). */
export interface PriorityProbe {
  readonly endpoint: string
  readonly dockerApi: DockerClient | undefined
  readonly dialMeta: Readonly<Record<string, ReadonlyArray<string>>>
}

/** A driver kind: docker, docker-container, remote, kubernetes. */
export interface DriverFactory {
  readonly name: string
  /** False for `docker`: it cannot be a store instance. */
  readonly allowsInstances: boolean
  /** Lower wins when a context builder has no driver set. */
  readonly priority: (probe: PriorityProbe) => Effect.Effect<number>
  readonly create: (config: DriverConfig) => Effect.Effect<Driver, DriverError, Scope.Scope>
}

/** The driver factories this program knows, in registration order (no global registry). */
export class DriverFactories extends Context.Tag("@buildlens/core/DriverFactories")<
  DriverFactories,
  ReadonlyArray<DriverFactory>
>() {}
