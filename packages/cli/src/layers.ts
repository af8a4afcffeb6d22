/**
 * The live wiring of every port: the one place the adapters' layers meet. The command uses it,
 * and so can a service that embeds buildlens to ask which builders exist and whether they work.
 */
import { BuildkitClientLive } from "@buildlens/adapters/buildkit"
import { DockerApiLive, DockerDriverFactory } from "@buildlens/adapters/docker"
import { BuilderStoreLive, ContextStoreLive, type DockerConfig } from "@buildlens/adapters/files"
import { RemoteDriverFactory } from "@buildlens/adapters/remote"
import { BuildkitdConfigLive } from "@buildlens/adapters/toml"
import {
  type BuilderStore,
  type BuildkitdConfig,
  type ContextStore,
  type DockerApi,
  DriverFactories,
  plannedDriverFactory
} from "@buildlens/core"
import { Effect, Layer } from "effect"

/**
 * The driver factories: buildx's four, two of them still planned. Their priorities (buildx
 * `Factory.Priority`) decide the driver of a context builder, so all four take part.
 */
export const driverFactories: Layer.Layer<DriverFactories> = Layer.effect(
  DriverFactories,
  Effect.all([
    DockerDriverFactory,
    // TODO(docker-container driver): container inspect for Info, `buildctl dial-stdio` through docker exec.
    Effect.succeed(plannedDriverFactory("docker-container", { withDockerApi: 30, withoutDockerApi: 70 })),
    // TODO(kubernetes driver): deployments and pods through @kubernetes/client-node.
    Effect.succeed(plannedDriverFactory("kubernetes", { withDockerApi: 40, withoutDockerApi: 80 })),
    RemoteDriverFactory
  ])
).pipe(Layer.provide(BuildkitClientLive))

/** Where the docker and buildx files are and which context is asked for, as the CLI resolves them. */
export interface LiveOptions {
  /** The docker config folder (`--config`, `DOCKER_CONFIG`, `~/.docker`). */
  readonly configDir: string
  /** `--context`, if given. */
  readonly contextFlag: string | undefined
  /** The environment to read `DOCKER_HOST`, `DOCKER_CONTEXT`, `BUILDX_CONFIG` and TLS variables from. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** config.json, when already read; read from `configDir` otherwise. */
  readonly config?: DockerConfig
}

/** Every port loadNodes and builder resolution need, over the real files, daemons and BuildKit. */
export const liveLayer = (
  options: LiveOptions
): Layer.Layer<BuilderStore | ContextStore | DockerApi | BuildkitdConfig | DriverFactories> =>
  Layer.mergeAll(
    ContextStoreLive({
      configDir: options.configDir,
      contextFlag: options.contextFlag,
      env: options.env,
      ...(options.config === undefined ? {} : { config: options.config })
    }),
    BuilderStoreLive({ configDir: options.configDir, env: options.env }),
    DockerApiLive,
    BuildkitdConfigLive,
    driverFactories
  )
