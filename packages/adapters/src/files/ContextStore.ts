/**
 * The docker context store (SPEC §1.4) as a read-only `ContextStore` layer: `contexts/meta/<id>/meta.json`
 * decoded the way docker's metadata store does, and the `default` context synthesized from DOCKER_HOST /
 * DOCKER_TLS* like the docker CLI. `list` is metadata only, as docker's List; `get` goes through the
 * listing as buildx's `GetDockerEndpoint` does and adds the docker endpoint's TLS bundle from
 * `contexts/tls/<id>/docker/`, as making a client does. Each layer instance reads everything once.
 */
import { userInfo } from "node:os"
import * as Path from "node:path"
import {
  ContextStore,
  ContextStoreError,
  type ContextStoreService,
  type DockerContext,
  type TlsMaterial
} from "@buildlens/core"
import { Deferred, Effect, Either, FiberId, Layer } from "effect"
import { type ContextMeta, contextId, decodeContextMeta, naturalLess } from "./ContextMeta.js"
import { type DockerConfig, loadDockerConfig, resolveConfigDir, resolveContextName } from "./DockerConfig.js"
import { parseDockerHost } from "./DockerHost.js"
import { type FsFailure, readBytes, readBytesIfExists, readDirSorted, statIsDirectory } from "./Fs.js"

/** What the context store layer is built from; `env` is the process environment the CLI passes in. */
export interface ContextStoreOptions {
  readonly configDir: string
  readonly contextFlag: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  /** An already loaded config.json; read from `configDir` when absent. */
  readonly config?: DockerConfig
}

class MetaFailure {
  constructor(
    readonly message: string,
    readonly notFound: boolean,
    readonly cause?: unknown
  ) {}
}

const envSet = (v: string | undefined): v is string => v !== undefined && v !== ""

interface DefaultContext {
  readonly meta: ContextMeta
  readonly tls: TlsMaterial | undefined
}

/**
 * Memoizes a lookup per key: the first call reads, later and concurrent calls share its outcome, so a
 * run reads each context and logs its warnings once. The read runs on its own fiber, so a caller cut
 * off by a deadline does not leave an interrupted outcome behind for the next caller.
 */
const onceByKey = <A, E>(f: (key: string) => Effect.Effect<A, E>): ((key: string) => Effect.Effect<A, E>) => {
  const started = new Map<string, Deferred.Deferred<A, E>>()
  return (key) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const existing = started.get(key)
        if (existing !== undefined) return restore(Deferred.await(existing))
        const deferred = Deferred.unsafeMake<A, E>(FiberId.none)
        started.set(key, deferred)
        return Effect.forkDaemon(Effect.intoDeferred(f(key), deferred)).pipe(
          Effect.zipRight(restore(Deferred.await(deferred)))
        )
      })
    )
}

const once = <A, E>(self: Effect.Effect<A, E>): Effect.Effect<A, E> => onceByKey(() => self)("")

// A context as the port shows it; kubernetes TLS is never loaded, as a docker client does not need it.
const toContext = (meta: ContextMeta, dockerTls: TlsMaterial | undefined): DockerContext => ({
  name: meta.name,
  description: meta.description,
  docker: meta.docker
    ? { host: meta.docker.Host, skipTLSVerify: meta.docker.SkipTLSVerify, tls: dockerTls }
    : undefined,
  kubernetes: meta.kubernetes && {
    host: meta.kubernetes.Host,
    skipTLSVerify: meta.kubernetes.SkipTLSVerify,
    defaultNamespace: meta.kubernetes.DefaultNamespace,
    tls: undefined
  }
})

/** Builds the read-only context store service; reads nothing until asked, except config.json once. */
export const makeContextStore = (options: ContextStoreOptions): Effect.Effect<ContextStoreService> =>
  Effect.gen(function* () {
    const env = options.env
    const config = options.config ?? (yield* loadDockerConfig(options.configDir)).config
    const root = Path.posix.join(options.configDir, "contexts")
    const metaRoot = Path.posix.join(root, "meta")
    const tlsRoot = Path.posix.join(root, "tls")

    const fail = (detail: string, extra: { context?: string; path?: string; cause?: unknown } = {}) =>
      new ContextStoreError({
        detail,
        ...(extra.context !== undefined ? { context: extra.context } : {}),
        ...(extra.path !== undefined ? { path: extra.path } : {}),
        ...(extra.cause !== undefined ? { cause: extra.cause } : {})
      })

    const readMeta = (dir: string): Effect.Effect<ContextMeta, MetaFailure> => {
      const file = Path.posix.join(metaRoot, dir, "meta.json")
      return readBytes(file).pipe(
        Effect.mapError((f) => new MetaFailure(f.message, f.reason === "NotFound", f.cause)),
        Effect.flatMap((bytes) =>
          Either.match(decodeContextMeta(bytes), {
            onLeft: (e) => Effect.fail(new MetaFailure(`parsing ${file}: ${e}`, false)),
            onRight: Effect.succeed
          })
        )
      )
    }

    // docker's listRecursivelyMetadataDirs: a directory holding a regular meta.json is a context;
    // every directory is also searched below.
    const walk = (dir: string): Effect.Effect<ReadonlyArray<string>, FsFailure> =>
      Effect.gen(function* () {
        const entries = yield* readDirSorted(Path.posix.join(metaRoot, dir))
        const found: Array<string> = []
        for (const entry of entries) {
          if (!entry.isDirectory) continue
          const sub = dir === "" ? entry.name : `${dir}/${entry.name}`
          const metaIsDir = yield* statIsDirectory(Path.posix.join(metaRoot, sub, "meta.json")).pipe(
            Effect.orElseSucceed(() => undefined)
          )
          if (metaIsDir === false) found.push(sub)
          found.push(...(yield* walk(sub)))
        }
        return found
      })

    const storedContexts: Effect.Effect<ReadonlyArray<ContextMeta>, ContextStoreError> = Effect.gen(function* () {
      const dirs = yield* walk("").pipe(
        Effect.catchIf(
          (f) => f.reason === "NotFound",
          () => Effect.succeed([] as ReadonlyArray<string>)
        ),
        Effect.mapError((f) => fail(f.message, { path: metaRoot, cause: f.cause }))
      )
      const metas: Array<ContextMeta> = []
      for (const dir of dirs) {
        const meta = yield* readMeta(dir).pipe(
          Effect.map((m): ContextMeta | undefined => m),
          Effect.catchIf(
            (f) => f.notFound,
            () => Effect.succeed(undefined)
          ),
          Effect.mapError((f) =>
            fail(`failed to read metadata: ${f.message}`, {
              path: Path.posix.join(metaRoot, dir, "meta.json"),
              cause: f.cause
            })
          )
        )
        if (meta !== undefined) metas.push(meta)
      }
      // A stable natural sort: docker's order, which decides which of two same-named contexts wins a lookup.
      return metas
        .map((m, i) => [m, i] as const)
        .sort(([a, i], [b, j]) => (naturalLess(a.name, b.name) ? -1 : naturalLess(b.name, a.name) ? 1 : i - j))
        .map(([m]) => m)
    })

    // The default context (docker's resolveDefaultDockerEndpoint): TLS on with DOCKER_TLS_VERIFY or DOCKER_TLS.
    const tlsVerify = envSet(env.DOCKER_TLS_VERIFY)
    const tlsOn = tlsVerify || envSet(env.DOCKER_TLS)
    // The cert path default is docker's config.Dir() at flag-install time: DOCKER_CONFIG or ~/.docker, never --config.
    const certPath = envSet(env.DOCKER_CERT_PATH)
      ? env.DOCKER_CERT_PATH
      : resolveConfigDir({ env: env.DOCKER_CONFIG, home: envSet(env.HOME) ? env.HOME : userInfo().homedir })

    const defaultTls: Effect.Effect<TlsMaterial | undefined, ContextStoreError> = Effect.gen(function* () {
      if (!tlsOn) return undefined
      const toError = (f: FsFailure) => fail(f.message, { context: "default", cause: f.cause })
      // The CA file is always read; cert and key are dropped when their default files do not exist.
      const ca = yield* readBytes(Path.posix.join(certPath, "ca.pem")).pipe(Effect.mapError(toError))
      const cert = yield* readBytesIfExists(Path.posix.join(certPath, "cert.pem")).pipe(Effect.mapError(toError))
      const key = yield* readBytesIfExists(Path.posix.join(certPath, "key.pem")).pipe(Effect.mapError(toError))
      return { ca, cert, key }
    })

    // docker's default context Resolver: the host, then the TLS files, read eagerly; either failing fails
    // every listing (ContextStoreWithDefault.List appends the resolved default).
    const defaultContext: Effect.Effect<DefaultContext, ContextStoreError> = Either.match(
      parseDockerHost(env.DOCKER_HOST ?? "", { tls: tlsOn }),
      {
        onLeft: (detail) => Effect.fail(fail(detail, { context: "default" })),
        onRight: (host) =>
          Effect.map(defaultTls, (tls) => ({
            meta: {
              name: "default",
              // docker's GetDockerContext gives the default context this fixed description.
              description: "Current DOCKER_HOST based configuration",
              docker: { Host: host, SkipTLSVerify: tlsOn && !tlsVerify },
              // TODO(kubeconfig adapter): docker derives a kubernetes endpoint from KUBECONFIG/~/.kube/config here.
              kubernetes: undefined
            },
            tls
          }))
      }
    )

    // docker's listContextData + LoadTLSData for one endpoint of a stored context.
    const storedTls = (name: string, endpoint: string): Effect.Effect<TlsMaterial | undefined, ContextStoreError> =>
      Effect.gen(function* () {
        const dir = Path.posix.join(tlsRoot, contextId(name))
        const listFailure = (detail: string, cause: unknown) =>
          fail(`failed to retrieve TLS files for context ${JSON.stringify(name)}: ${detail}`, {
            context: name,
            path: dir,
            cause
          })
        const endpointDirs = yield* readDirSorted(dir).pipe(
          Effect.catchIf(
            (f) => f.reason === "NotFound",
            () => Effect.succeed([])
          ),
          Effect.mapError((f) => listFailure(`failed to list TLS files for context ${name}: ${f.message}`, f.cause))
        )
        const files = new Map<string, ReadonlyArray<string>>()
        for (const entry of endpointDirs) {
          if (!entry.isDirectory) continue
          const listed = yield* readDirSorted(Path.posix.join(dir, entry.name)).pipe(
            Effect.map((es): ReadonlyArray<string> | undefined => es.filter((e) => !e.isDirectory).map((e) => e.name)),
            Effect.catchIf(
              (f) => f.reason === "NotFound",
              () => Effect.succeed(undefined)
            ),
            Effect.mapError((f) =>
              listFailure(`failed to list TLS files for endpoint ${entry.name}: ${f.message}`, f.cause)
            )
          )
          if (listed !== undefined) files.set(entry.name, listed)
        }
        const names = files.get(endpoint)
        if (names === undefined) return undefined
        const material: { ca?: Uint8Array; cert?: Uint8Array; key?: Uint8Array } = {}
        for (const file of names) {
          const data = yield* readBytes(Path.posix.join(dir, endpoint, file)).pipe(
            Effect.mapError((f) =>
              fail(
                `failed to retrieve TLS data (${file}) for context ${JSON.stringify(name)}: ${
                  f.reason === "NotFound"
                    ? `TLS data for ${name}/${endpoint}/${file} does not exist`
                    : `failed to read TLS data for endpoint ${endpoint}: ${f.message}`
                }`,
                { context: name, path: Path.posix.join(dir, endpoint, file), cause: f.cause }
              )
            )
          )
          if (file === "ca.pem") material.ca = data
          else if (file === "cert.pem") material.cert = data
          else if (file === "key.pem") material.key = data
          else yield* Effect.logWarning(`unknown file in context ${name} TLS bundle: ${file}`)
        }
        return { ca: material.ca, cert: material.cert, key: material.key }
      })

    // docker's List: stored metadata in natural order, then the resolved default context. Read once per store.
    const listed = once(
      Effect.gen(function* () {
        const stored = yield* storedContexts
        const resolved = yield* defaultContext
        return { metas: [...stored, resolved.meta], defaultTls: resolved.tls }
      })
    )

    const list: ContextStoreService["list"] = listed.pipe(
      Effect.map(({ metas }) => metas.map((meta) => toContext(meta, undefined))),
      Effect.withLogSpan("contexts.list")
    )

    // buildx's NewClientAPI: the first listed context of that Name (GetDockerEndpoint), then the docker
    // endpoint's TLS files by that name (docker.WithTLSData); `default` always gets the resolver's files.
    const lookup = (name: string): Effect.Effect<DockerContext | undefined, ContextStoreError> =>
      Effect.gen(function* () {
        const { metas, defaultTls } = yield* listed
        const meta = metas.find((m) => m.name === name)
        if (meta === undefined) return undefined
        if (meta.docker === null) {
          return yield* fail(`endpoint "docker" is not of type EndpointMeta`, { context: name })
        }
        // Without a docker endpoint buildx fails before reading TLS; core reports the missing endpoint.
        if (meta.docker === undefined) return toContext(meta, undefined)
        return toContext(meta, name === "default" ? defaultTls : yield* storedTls(name, "docker"))
      })
    const get: ContextStoreService["get"] = onceByKey(lookup)

    const currentName = resolveContextName({
      contextFlag: options.contextFlag,
      dockerHostEnv: env.DOCKER_HOST,
      dockerContextEnv: env.DOCKER_CONTEXT,
      configCurrentContext: config.currentContext
    })

    return { list, get, currentName }
  })

/** The read-only docker context store for the CLI's config folder, flag and environment. */
export const ContextStoreLive = (options: ContextStoreOptions): Layer.Layer<ContextStore> =>
  Layer.effect(ContextStore, makeContextStore(options))
