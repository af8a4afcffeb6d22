/**
 * OCI platforms as buildx handles them: the stored object, containerd-style parsing and
 * normalisation, and the formatting used by `ls` and `inspect` (SPEC §5.6). The rules follow
 * containerd/platforms v1.0.0-rc.4 (vendored by buildx) and buildx `util/platformutil`.
 */
import { Either, Schema } from "effect"
import { goQuote } from "./GoText.js"

/** An OCI platform exactly as the buildx store serialises it (image-spec descriptor field names). */
export const Platform = Schema.Struct({
  architecture: Schema.String,
  os: Schema.String,
  "os.version": Schema.optional(Schema.String),
  "os.features": Schema.optional(Schema.Array(Schema.String)),
  variant: Schema.optional(Schema.String)
})
export type Platform = typeof Platform.Type

/**
 * The platform buildlens assumes it runs on, standing in for Go's `runtime.GOOS`/`GOARCH` and
 * containerd's CPU variant probe. Core cannot look at the machine; a caller on another host passes
 * its own platform to `forHost`.
 */
export const defaultHost: Platform = { os: "linux", architecture: "amd64" }

/** Why containerd refused a specifier; each maps to one of its error texts. */
export const PlatformParseReason = Schema.Literal(
  "Wildcard",
  "InvalidOsComponent",
  "InvalidComponent",
  "InvalidOsVersion",
  "InvalidOsFeature",
  "UnknownOsOrArch",
  "TooManyParts"
)
export type PlatformParseReason = typeof PlatformParseReason.Type

// containerd's component patterns; their source text is part of its error messages.
const specifierRe = /^[A-Za-z0-9_.-]+$/
const osRe = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/

/**
 * A platform specifier containerd would reject. `component` is the offending part (OS component,
 * path component, raw OS version or feature) and `escape` the bad `%` escape inside it; the
 * message is containerd's text, which buildx prints unchanged.
 */
export class PlatformParseError extends Schema.TaggedError<PlatformParseError>()("PlatformParseError", {
  specifier: Schema.String,
  reason: PlatformParseReason,
  component: Schema.optional(Schema.String),
  escape: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const spec = goQuote(this.specifier)
    const part = goQuote(this.component ?? "")
    const badEscape = `invalid URL escape ${goQuote(this.escape ?? "")}`
    const mustMatch = (what: string, re: RegExp) =>
      `${what} component must match ${goQuote(re.source)}: invalid argument`
    const texts: Record<PlatformParseReason, string> = {
      Wildcard: `${spec}: wildcards not yet supported: invalid argument`,
      InvalidOsComponent: `${part} is an invalid OS component of ${spec}: ${mustMatch("OSAndVersion specifier", osRe)}`,
      InvalidComponent: `${part} is an invalid component of ${spec}: ${mustMatch("platform specifier", specifierRe)}`,
      InvalidOsVersion: `${spec} has an invalid OS version ${part}: ${badEscape}`,
      InvalidOsFeature: `${spec} has invalid OS features: invalid os feature ${part}: ${badEscape}`,
      UnknownOsOrArch: `${spec}: unknown operating system or architecture: invalid argument`,
      TooManyParts: `${spec}: cannot parse platform specifier: invalid argument`
    }
    return texts[this.reason]
  }
}

/** The platform functions whose answers depend on the host (empty OS, one-part specifiers, `local`). */
export interface HostPlatforms {
  readonly parse: (specifier: string) => Either.Either<Platform, PlatformParseError>
  readonly parseList: (specifiers: ReadonlyArray<string>) => Either.Either<ReadonlyArray<Platform>, PlatformParseError>
  readonly normalize: (platform: Platform) => Platform
  readonly dedupe: (platforms: ReadonlyArray<Platform>) => ReadonlyArray<Platform>
  readonly formatInGroups: (...groups: ReadonlyArray<ReadonlyArray<Platform>>) => ReadonlyArray<string>
}

// Go's syslist, as containerd's database.go knows it.
const knownOs = new Set(
  "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris windows zos".split(
    " "
  )
)
const knownArch = new Set(
  [
    "386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le mips64p32",
    "mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm"
  ]
    .join(" ")
    .split(" ")
)

/** Build a platform, leaving out the empty optional fields (Go's zero values, which it omits in JSON). */
const make = (
  os: string,
  architecture: string,
  variant: string,
  osVersion: string,
  osFeatures: ReadonlyArray<string>
): Platform => ({
  architecture,
  os,
  ...(osVersion === "" ? {} : { "os.version": osVersion }),
  ...(osFeatures.length === 0 ? {} : { "os.features": osFeatures }),
  ...(variant === "" ? {} : { variant })
})

const normalizeOs = (os: string, host: Platform): string => {
  if (os === "") return host.os
  const lower = os.toLowerCase()
  return lower === "macos" ? "darwin" : lower
}

const normalizeArch = (arch: string, variant: string): readonly [string, string] => {
  const a = arch.toLowerCase()
  const v = variant.toLowerCase()
  switch (a) {
    case "i386":
      return ["386", ""]
    case "x86_64":
    case "x86-64":
    case "amd64":
      return ["amd64", v === "v1" ? "" : v]
    case "aarch64":
    case "arm64":
      if (v === "8" || v === "v8" || v === "v8.0") return ["arm64", ""]
      if (v === "9" || v === "9.0" || v === "v9.0") return ["arm64", "v9"]
      return ["arm64", v]
    case "armhf":
      return ["arm", "v7"]
    case "armel":
      return ["arm", "v6"]
    case "arm":
      if (v === "" || v === "7") return ["arm", "v7"]
      if (v === "5" || v === "6" || v === "8") return ["arm", `v${v}`]
      return ["arm", v]
    default:
      return [a, v]
  }
}

/** Go's `strings.SplitN(s, sep, n)`: at most n parts, the last one keeping the rest. */
const splitN = (s: string, sep: string, n: number): Array<string> => {
  const parts = s.split(sep)
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)]
}

/**
 * Go's `url.PathUnescape`, as containerd decodes OS versions and features. Returns the offending
 * escape (at most 3 characters, as Go reports it) when one is malformed.
 */
const pathUnescape = (s: string): Either.Either<string, string> => {
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(s)
  if (bad !== null) return Either.left(s.slice(bad.index, bad.index + 3))
  try {
    return Either.right(decodeURIComponent(s))
  } catch {
    // Invalid UTF-8 bytes: Go keeps them raw and its JSON encoder later writes U+FFFD for them.
    return Either.right(
      s.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
        try {
          return decodeURIComponent(run)
        } catch {
          return "\uFFFD"
        }
      })
    )
  }
}

/** Go's `path.Clean`, which `path.Join` applies to the joined parts (a stored `..` really collapses). */
const cleanPath = (p: string): string => {
  const rooted = p.startsWith("/")
  const out: Array<string> = []
  for (const segment of p.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment !== "..") out.push(segment)
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop()
    else if (!rooted) out.push(segment)
  }
  const cleaned = (rooted ? "/" : "") + out.join("/")
  return cleaned === "" ? "." : cleaned
}

const parseWith = (host: Platform, specifier: string): Either.Either<Platform, PlatformParseError> => {
  const fail = (reason: PlatformParseReason, component?: string, badEscape?: string) =>
    Either.left(
      new PlatformParseError({
        specifier,
        reason,
        ...(component === undefined ? {} : { component }),
        ...(badEscape === undefined ? {} : { escape: badEscape })
      })
    )
  if (specifier.includes("*")) return fail("Wildcard")
  // containerd splits into at most 4 parts and validates all of them before counting.
  const parts = splitN(specifier, "/", 4)
  const first = parts[0] ?? ""
  const options = osRe.exec(first)
  if (options === null) return fail("InvalidOsComponent", first)
  const os = normalizeOs(options[1] ?? "", host)
  const rawVersion = options[2] ?? ""
  const osVersion = pathUnescape(rawVersion)
  if (Either.isLeft(osVersion)) return fail("InvalidOsVersion", rawVersion, osVersion.left)
  const osFeatures: Array<string> = []
  const rawFeatures = options[3] ?? ""
  for (const raw of rawFeatures === "" ? [] : rawFeatures.slice(1).split("+")) {
    const feature = pathUnescape(raw)
    if (Either.isLeft(feature)) return fail("InvalidOsFeature", raw, feature.left)
    osFeatures.push(feature.right)
  }
  const bad = parts.slice(1).find((part) => !specifierRe.test(part))
  if (bad !== undefined) return fail("InvalidComponent", bad)

  const [, second = "", third = ""] = parts
  switch (parts.length) {
    case 1: {
      if (knownOs.has(os)) {
        // A bare OS takes the host architecture, and on arm the host's CPU variant unless it is v7.
        const hostVariant = host.variant ?? ""
        const variant = host.architecture === "arm" && hostVariant !== "v7" ? hostVariant : ""
        return Either.right(make(os, host.architecture, variant, osVersion.right, osFeatures))
      }
      // Otherwise the whole part, options included, is tried as an architecture on the host OS.
      const [arch, variant] = normalizeArch(first, "")
      if (!knownArch.has(arch)) return fail("UnknownOsOrArch")
      return Either.right(make(host.os, arch, arch === "arm" && variant === "v7" ? "" : variant, osVersion.right, []))
    }
    case 2: {
      // Two parts drop arm's default v7, so `linux/arm` stays `linux/arm` until Normalize.
      const [arch, variant] = normalizeArch(second, "")
      return Either.right(
        make(os, arch, arch === "arm" && variant === "v7" ? "" : variant, osVersion.right, osFeatures)
      )
    }
    case 3: {
      const [arch, variant] = normalizeArch(second, third)
      return Either.right(
        make(os, arch, arch === "arm64" && variant === "" ? "v8" : variant, osVersion.right, osFeatures)
      )
    }
    default:
      return fail("TooManyParts")
  }
}

const normalizeWith = (host: Platform, platform: Platform): Platform => {
  const [arch, variant] = normalizeArch(platform.architecture, platform.variant ?? "")
  // Features are sorted and deduplicated, so Windows platforms compare by content.
  const features = [...new Set(platform["os.features"] ?? [])].sort()
  return make(normalizeOs(platform.os, host), arch, variant, platform["os.version"] ?? "", features)
}

/** containerd `Format`: `os/arch[/variant]` through Go's `path.Join`, `unknown` for an empty OS; no OS version. */
export const format = (platform: Platform): string =>
  platform.os === "" ? "unknown" : cleanPath([platform.os, platform.architecture, platform.variant ?? ""].join("/"))

/**
 * The platform functions for a given host. The plain exports of this module are `forHost(defaultHost)`;
 * a caller running elsewhere uses e.g. `Platforms.forHost({ os: "darwin", architecture: "arm64" }).parseList(...)`.
 */
export const forHost = (host: Platform): HostPlatforms => {
  const normalize = (platform: Platform): Platform => normalizeWith(host, platform)
  const parse = (specifier: string): Either.Either<Platform, PlatformParseError> => parseWith(host, specifier)
  const parseList = (specifiers: ReadonlyArray<string>): Either.Either<ReadonlyArray<Platform>, PlatformParseError> => {
    const out: Array<Platform> = []
    // buildx splits each item on commas; `local` (any case) is the host's default platform.
    for (const item of specifiers.flatMap((s) => s.split(","))) {
      const parsed = item.toLowerCase() === "local" ? Either.right(host) : parse(item)
      if (Either.isLeft(parsed)) return Either.left(parsed.left)
      out.push(normalize(parsed.right))
    }
    return Either.right(out)
  }
  const formatInGroups = (...groups: ReadonlyArray<ReadonlyArray<Platform>>): ReadonlyArray<string> => {
    const seen = new Set<string>()
    const out: Array<string> = []
    groups.forEach((group, index) => {
      for (const platform of group) {
        const key = format(normalize(platform))
        if (seen.has(key)) continue
        seen.add(key)
        out.push(index === 0 ? `${key}*` : key)
      }
    })
    return out
  }
  const dedupe = (platforms: ReadonlyArray<Platform>): ReadonlyArray<Platform> => {
    const seen = new Set<string>()
    const out: Array<Platform> = []
    for (const platform of platforms) {
      const normalized = normalize(platform)
      const key = format(normalized)
      if (seen.has(key)) continue
      seen.add(key)
      out.push(normalized)
    }
    return out
  }
  return { parse, parseList, normalize, dedupe, formatInGroups }
}

const onDefaultHost = forHost(defaultHost)

/**
 * containerd `Parse` of one specifier (`linux/arm64`, `windows(10.0.17763)/amd64`, `arm`); `local` is
 * not accepted here. Fails with containerd's error text; the result is not normalised.
 */
export const parse: (specifier: string) => Either.Either<Platform, PlatformParseError> = onDefaultHost.parse

/**
 * buildx `platformutil.Parse`: items split on commas, `local` is the host platform, each result
 * parsed then normalised (`linux/arm` → `linux/arm/v7`). Does not dedupe; the first bad item fails it.
 */
export const parseList: (
  specifiers: ReadonlyArray<string>
) => Either.Either<ReadonlyArray<Platform>, PlatformParseError> = onDefaultHost.parseList

/** containerd `Normalize`: OS and architecture lower-cased, aliases folded (`x86_64` → `amd64`, `armhf` → `arm/v7`). */
export const normalize: (platform: Platform) => Platform = onDefaultHost.normalize

/** buildx `Dedupe`: normalise each and keep the first of each formatted string. */
export const dedupe: (platforms: ReadonlyArray<Platform>) => ReadonlyArray<Platform> = onDefaultHost.dedupe

/**
 * buildx `FormatInGroups`: normalised strings in group order, each once; group 0 entries get a `*`.
 * `ls` and `inspect` pass (stored platforms, detected platforms).
 */
export const formatInGroups: (...groups: ReadonlyArray<ReadonlyArray<Platform>>) => ReadonlyArray<string> =
  onDefaultHost.formatInGroups
