/**
 * The buildx store (SPEC §1.5, §1.7) as a read-only `BuilderStore` layer: `instances/<lower(name)>`
 * decoded as Go decodes a NodeGroup (case-insensitive keys, Go's error texts) and then through
 * core's `NodeGroupJson`, `activity/<Name>` parsed as RFC3339, `current` and `defaults/<hash>`.
 * Unlike buildx it creates no folder, deletes no upper-case entry, rewrites nothing and takes no lock.
 */
import { createHash } from "node:crypto"
import * as Path from "node:path"
import {
  BuilderStore,
  type BuilderStoreService,
  type CurrentPointer,
  compareGoStrings,
  type InvalidBuilderName,
  type NodeGroup,
  NodeGroupJson,
  type StoredBuilder,
  StoreError,
  validateBuilderName
} from "@buildlens/core"
import { Effect, Either, Layer, ParseResult, Schema } from "effect"
import { goClean } from "./DockerConfig.js"
import { type FsFailure, readBytesIfExists, readDirSorted } from "./Fs.js"
import { type GoType, goBool, goString, goStringMap, goStrings, unmarshalGo } from "./GoDecode.js"
import { decodeUtf8 } from "./GoJson.js"
import { isGoZeroTime, parseRfc3339 } from "./GoTime.js"

/** What the builder store layer is built from; `env` is the process environment the CLI passes in. */
export interface BuilderStoreOptions {
  readonly configDir: string
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The buildx folder: BUILDX_CONFIG verbatim when non-empty, else `<configdir>/buildx`. */
export const resolveBuildxDir = (options: BuilderStoreOptions): string => {
  const fromEnv = options.env.BUILDX_CONFIG
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : Path.posix.join(goClean(options.configDir), "buildx")
}

/** The `defaults/` file name of an endpoint key: the first 20 hex digits of its SHA-256. */
export const defaultsHash = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex").slice(0, 20)

// The Go structs buildx stores, with their JSON keys.
const platformType: GoType = {
  kind: "struct",
  name: "v1.Platform",
  fields: [
    { key: "architecture", type: goString },
    { key: "os", type: goString },
    { key: "os.version", type: goString },
    { key: "os.features", type: goStrings },
    { key: "variant", type: goString }
  ]
}
const nodeType: GoType = {
  kind: "struct",
  name: "store.Node",
  fields: [
    { key: "Name", type: goString },
    { key: "Endpoint", type: goString },
    { key: "Platforms", type: { kind: "slice", name: "[]v1.Platform", elem: platformType } },
    { key: "DriverOpts", type: goStringMap },
    { key: "Flags", type: goStrings },
    { key: "Files", type: { kind: "map", name: "map[string][]uint8", elem: { kind: "bytes" } } }
  ]
}
const nodeGroupType: GoType = {
  kind: "struct",
  name: "store.NodeGroup",
  fields: [
    { key: "Name", type: goString },
    { key: "Driver", type: goString },
    { key: "Nodes", type: { kind: "slice", name: "[]store.Node", elem: nodeType } },
    { key: "Dynamic", type: goBool }
  ]
}
const currentType: GoType = {
  kind: "struct",
  name: "store.current",
  fields: [
    { key: "Key", type: goString },
    { key: "Name", type: goString },
    { key: "Global", type: goBool }
  ]
}

interface GoPlatform {
  readonly architecture: string
  readonly os: string
  readonly "os.version": string
  readonly "os.features": ReadonlyArray<string> | null
  readonly variant: string
}
interface GoNode {
  readonly Name: string
  readonly Endpoint: string
  readonly Platforms: ReadonlyArray<GoPlatform> | null
  readonly DriverOpts: Record<string, string> | null
  readonly Flags: ReadonlyArray<string> | null
  readonly Files: Record<string, Uint8Array | null> | null
}
interface GoNodeGroup {
  readonly Name: string
  readonly Driver: string
  readonly Nodes: ReadonlyArray<GoNode> | null
  readonly Dynamic: boolean
}

// The Go value re-encoded with buildx's exact keys, so core's codec sees what `json.Marshal` would write.
const canonicalNodeGroup = (ng: GoNodeGroup): unknown => ({
  Name: ng.Name,
  Driver: ng.Driver,
  Nodes:
    ng.Nodes?.map((n) => ({
      Name: n.Name,
      Endpoint: n.Endpoint,
      Platforms:
        n.Platforms?.map((p) => ({
          architecture: p.architecture,
          os: p.os,
          ...(p["os.version"] !== "" ? { "os.version": p["os.version"] } : {}),
          ...(p["os.features"] !== null && p["os.features"].length > 0 ? { "os.features": p["os.features"] } : {}),
          ...(p.variant !== "" ? { variant: p.variant } : {})
        })) ?? null,
      DriverOpts: n.DriverOpts,
      Flags: n.Flags,
      Files:
        n.Files === null
          ? null
          : Object.fromEntries(
              Object.entries(n.Files).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString("base64")])
            )
    })) ?? null,
  Dynamic: ng.Dynamic
})

const decodeNodeGroupJson = Schema.decodeUnknownEither(NodeGroupJson)

/** Decodes `instances/<name>` bytes as buildx does; Left is the error text buildx prints. */
export const decodeNodeGroup = (bytes: Uint8Array): Either.Either<NodeGroup, string> => {
  const decoded = unmarshalGo<GoNodeGroup>(nodeGroupType, bytes)
  if (decoded.error !== undefined) return Either.left(decoded.error)
  return Either.mapLeft(decodeNodeGroupJson(canonicalNodeGroup(decoded.value)), (e) =>
    ParseResult.TreeFormatter.formatErrorSync(e)
  )
}

/** Builds the read-only store service over a buildx folder (nothing is read until asked). */
export const makeBuilderStore = (dir: string): BuilderStoreService => {
  const storeError = (path: string) => (f: FsFailure) => new StoreError({ path, detail: f.message, cause: f.cause })

  const activity = (name: string): Effect.Effect<Date | undefined, StoreError> => {
    const path = Path.posix.join(dir, "activity", name)
    // An empty JSON Name makes buildx read the activity folder itself, which it always created first.
    if (path === Path.posix.join(dir, "activity")) {
      return Effect.fail(new StoreError({ path, detail: `read ${path}: is a directory` }))
    }
    return readBytesIfExists(path).pipe(
      Effect.mapError(storeError(path)),
      Effect.flatMap((bytes) => {
        if (bytes === undefined) return Effect.succeed(undefined)
        const parsed = parseRfc3339(decodeUtf8(bytes))
        if (parsed._tag === "Error") return Effect.fail(new StoreError({ path, detail: parsed.message }))
        return Effect.succeed(isGoZeroTime(parsed.date) ? undefined : parsed.date)
      })
    )
  }

  const byName = (name: string): Effect.Effect<StoredBuilder | undefined, StoreError | InvalidBuilderName> =>
    Effect.gen(function* () {
      const lower = yield* Either.match(validateBuilderName(name), {
        onLeft: (e) => Effect.fail(e),
        onRight: (l) => Effect.succeed(l)
      })
      const path = Path.posix.join(dir, "instances", lower)
      const bytes = yield* readBytesIfExists(path).pipe(Effect.mapError(storeError(path)))
      if (bytes === undefined) return undefined
      const nodeGroup = yield* Either.match(decodeNodeGroup(bytes), {
        onLeft: (detail) => Effect.fail(new StoreError({ path, detail })),
        onRight: (ng) => Effect.succeed(ng)
      })
      // activity/ is keyed by the JSON Name as written, not the lower-cased file name.
      const lastActivity = yield* activity(nodeGroup.name)
      return { nodeGroup, lastActivity }
    })

  const list: BuilderStoreService["list"] = Effect.gen(function* () {
    const path = Path.posix.join(dir, "instances")
    // A missing store is an empty one (buildx would create the folders; we do not).
    const entries = yield* readDirSorted(path).pipe(
      Effect.catchIf(
        (f) => f.reason === "NotFound",
        () => Effect.succeed([])
      ),
      Effect.mapError(storeError(path))
    )
    const found: Array<StoredBuilder> = []
    for (const entry of entries) {
      // buildx deletes an entry whose lower-cased lookup does not exist; it is only skipped here.
      const stored = yield* byName(entry.name)
      if (stored === undefined) {
        yield* Effect.logDebug(`skipping store entry ${entry.name}: no instance file under its lower-cased name`)
        continue
      }
      found.push(stored)
    }
    return found.sort((a, b) => compareGoStrings(a.nodeGroup.name, b.nodeGroup.name))
  })

  const current: BuilderStoreService["current"] = Effect.gen(function* () {
    const path = Path.posix.join(dir, "current")
    const bytes = yield* readBytesIfExists(path).pipe(Effect.mapError(storeError(path)))
    if (bytes === undefined) return undefined
    const decoded = unmarshalGo<{ Key: string; Name: string; Global: boolean }>(currentType, bytes)
    if (decoded.error !== undefined) return yield* new StoreError({ path, detail: decoded.error })
    return { key: decoded.value.Key, name: decoded.value.Name, global: decoded.value.Global } satisfies CurrentPointer
  })

  const defaultFor = (key: string): Effect.Effect<string | undefined, StoreError> => {
    const path = Path.posix.join(dir, "defaults", defaultsHash(key))
    // The file holds the raw name bytes; buildx uses them as-is (a trailing newline makes the name invalid).
    return readBytesIfExists(path).pipe(
      Effect.mapError(storeError(path)),
      Effect.map((bytes) => (bytes === undefined ? undefined : decodeUtf8(bytes)))
    )
  }

  return { list, byName, activity, current, defaultFor }
}

/** The read-only buildx store of the CLI's config folder (or BUILDX_CONFIG). */
export const BuilderStoreLive = (options: BuilderStoreOptions): Layer.Layer<BuilderStore> =>
  Layer.succeed(BuilderStore, makeBuilderStore(resolveBuildxDir(options)))
