/**
 * The `docker` driver (buildx `driver/docker`): BuildKit embedded in the Docker daemon, reached through the
 * daemon's `/grpc` hijack. It is never a store instance; context builders pick it when the daemon accepts the
 * h2c upgrade.
 */
import {
  BuildkitClient,
  type BuildkitClientService,
  type DockerApiError,
  type DockerClient,
  type Driver,
  type DriverConfig,
  DriverError,
  type DriverFactory
} from "@buildlens/core"
import { Effect } from "effect"
import { buildkitVersionFor } from "./version.js"

const driverName = "docker"

// buildx `Factory.Priority`: the default for a BuildKit-capable daemon, otherwise last resort.
const priorityDefault = 10
const priorityUnsupported = 99

// Feature names of buildx `driver/features.go`.
const feature = {
  ociExporter: "OCI exporter",
  dockerExporter: "Docker exporter",
  cacheExport: "Cache export",
  multiPlatform: "Multi-platform build",
  directPush: "Direct push",
  preferImageDigest: "Prefer image digest",
  defaultLoad: "Automatically load images to the Docker Engine image store"
} as const

// A worker label moby sets only when images live in containerd's snapshotter store.
const snapshotterLabel = "org.mobyproject.buildkit.worker.snapshotter"

/** buildx wraps daemon errors as `<daemon error>: driver not connecting`. */
const notConnecting = (node: string, error: DockerApiError): DriverError =>
  new DriverError({ driver: driverName, node, detail: `${error.message}: driver not connecting`, cause: error })

const makeDriver = (config: DriverConfig, api: DockerClient, buildkit: BuildkitClientService): Driver => {
  const node = config.node.name
  const client = Effect.flatMap(api.grpcTarget(config.dialMeta), buildkit.connect)
  return {
    factory: driverName,
    info: api.serverVersion.pipe(
      Effect.as({ status: "running" as const, dynamicNodes: [] }),
      Effect.mapError((error) => notConnecting(node, error))
    ),
    version: api.serverVersion.pipe(
      Effect.map(buildkitVersionFor),
      Effect.mapError((error) => notConnecting(node, error))
    ),
    client,
    // buildx ignores every failure here: without workers the snapshotter-dependent features are off.
    features: Effect.scoped(Effect.flatMap(client, (connection) => connection.listWorkers)).pipe(
      Effect.map((workers) => workers.some((worker) => Object.hasOwn(worker.labels, snapshotterLabel))),
      Effect.orElseSucceed(() => false),
      Effect.map((snapshotter) => ({
        [feature.ociExporter]: snapshotter,
        [feature.dockerExporter]: snapshotter,
        [feature.cacheExport]: snapshotter,
        [feature.multiPlatform]: snapshotter,
        [feature.directPush]: snapshotter,
        [feature.preferImageDigest]: snapshotter,
        [feature.defaultLoad]: true
      }))
    )
  }
}

/** The docker driver factory, opening BuildKit connections with `buildkit`. */
export const dockerDriverFactory = (buildkit: BuildkitClientService): DriverFactory => ({
  name: driverName,
  allowsInstances: false,
  priority: (probe) =>
    probe.dockerApi === undefined
      ? Effect.succeed(priorityUnsupported)
      : probe.dockerApi
          .supportsGrpc(probe.dialMeta)
          .pipe(Effect.map((grpc) => (grpc ? priorityDefault : priorityUnsupported))),
  create: (config) => {
    if (config.dockerApi === undefined) {
      return Effect.fail(
        new DriverError({
          driver: driverName,
          node: config.node.name,
          detail: "docker driver requires docker API access"
        })
      )
    }
    if (Object.keys(config.files).length > 0) {
      return Effect.fail(
        new DriverError({
          driver: driverName,
          node: config.node.name,
          detail: "setting config file is not supported for docker driver, use dockerd configuration file"
        })
      )
    }
    return Effect.succeed(makeDriver(config, config.dockerApi, buildkit))
  }
})

/** The docker driver factory over the BuildkitClient in context. */
export const DockerDriverFactory: Effect.Effect<DriverFactory, never, BuildkitClient> = Effect.map(
  BuildkitClient,
  dockerDriverFactory
)
