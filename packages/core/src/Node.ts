/**
 * The loaded view of a builder: each stored node joined with what its driver and BuildKit
 * reported (SPEC §3), and the Builder that `ls` and `inspect` render.
 */
import { Schema } from "effect"
import type { BuilderError, NodeError } from "./Errors.js"
import type { NodeGroup, StoredNode } from "./NodeGroup.js"
import { Platform } from "./Platform.js"

/** The five driver statuses of buildx (`driver/driver.go`); anything else renders as `unknown`. */
export const DriverStatus = Schema.Literal("inactive", "starting", "running", "stopping", "stopped")
export type DriverStatus = typeof DriverStatus.Type

/** One BuildKit garbage-collection rule, with every field BuildKit reports (sizes in bytes, duration in ns). */
export const GCPolicy = Schema.Struct({
  all: Schema.Boolean,
  filter: Schema.Array(Schema.String),
  keepDuration: Schema.Number,
  reservedSpace: Schema.Number,
  maxUsedSpace: Schema.Number,
  minFreeSpace: Schema.Number
})
export type GCPolicy = typeof GCPolicy.Type

/** A CDI device a BuildKit worker offers. */
export const CDIDevice = Schema.Struct({
  name: Schema.String,
  autoAllow: Schema.Boolean,
  onDemand: Schema.Boolean,
  annotations: Schema.Record({ key: Schema.String, value: Schema.String })
})
export type CDIDevice = typeof CDIDevice.Type

/** One BuildKit worker as ListWorkers returns it. */
export const WorkerInfo = Schema.Struct({
  id: Schema.String,
  labels: Schema.Record({ key: Schema.String, value: Schema.String }),
  platforms: Schema.Array(Platform),
  gcPolicy: Schema.Array(GCPolicy),
  cdiDevices: Schema.Array(CDIDevice)
})
export type WorkerInfo = typeof WorkerInfo.Type

/** What a driver's Info reports. DynamicNodes are the pods of a kubernetes deployment. */
export interface DriverInfo {
  readonly status: DriverStatus
  readonly dynamicNodes: ReadonlyArray<StoredNode>
}

/** A stored node after loading. `error` is this node's failure; it never fails the builder. */
export interface Node extends StoredNode {
  readonly builder: string
  readonly driver: string
  readonly driverInfo: DriverInfo | undefined
  readonly version: string
  readonly ids: ReadonlyArray<string>
  /** Stored platforms first, then the workers' platforms, deduplicated. */
  readonly platforms: ReadonlyArray<Platform>
  /**
   * The stored node's own platforms (buildx `n.Node.Platforms`), kept apart because `platforms` above
   * replaces them; `ls` and `inspect` mark these with `*`. Dynamic copies keep the static node's list.
   */
  readonly storedPlatforms: ReadonlyArray<Platform>
  readonly gcPolicy: ReadonlyArray<GCPolicy>
  readonly labels: Readonly<Record<string, string>>
  readonly cdiDevices: ReadonlyArray<CDIDevice>
  readonly proxyConfig: Readonly<Record<string, string>>
  readonly error: NodeError | undefined
}

/** A builder: its stored NodeGroup, where it came from, and once loaded its nodes and builder-level error. */
export interface Builder {
  readonly name: string
  /** The chosen driver; for docker context builders this is filled in by the factory choice. */
  readonly driver: string
  readonly nodeGroup: NodeGroup
  readonly dockerContext: boolean
  readonly lastActivity: Date | undefined
  /** Undefined until loaded; one entry per stored node (zero-valued when the builder failed). */
  readonly nodes: ReadonlyArray<Node> | undefined
  readonly error: BuilderError | undefined
}

/** The node status as buildx shows it: `error` wins over the driver status. */
export const nodeStatus = (node: Node): string =>
  node.error !== undefined ? "error" : node.driverInfo !== undefined ? node.driverInfo.status : ""

/** A Node with nothing loaded: what buildx allocates before anything can fail. */
export const zeroNode = (builder: string): Node => ({
  name: "",
  endpoint: "",
  platforms: [],
  storedPlatforms: [],
  driverOpts: {},
  buildkitdFlags: [],
  files: {},
  builder,
  driver: "",
  driverInfo: undefined,
  version: "",
  ids: [],
  gcPolicy: [],
  labels: {},
  cdiDevices: [],
  proxyConfig: {},
  error: undefined
})
