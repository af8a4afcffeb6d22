/**
 * The BuildKit version a `docker` driver node reports when its daemon is too old to answer the
 * BuildKit Info RPC: buildx maps the moby server version through a fixed table, read with
 * Masterminds semver v3 rules (SPEC §4.1, buildx `driver/docker/version.go`).
 */
import * as semver from "semver"

/** One row of the table: a Masterminds constraint on the moby version and the BuildKit version it stands for. */
export interface MobyBuildkitVersion {
  readonly mobyConstraint: string
  readonly buildkitVersion: string
}

const rows: ReadonlyArray<readonly [string, string]> = [
  [">= 18.06.0-0, < 18.06.1-0", "v0.0.0+9acf51e"],
  [">= 18.06.1-0, < 18.09.0-0", "v0.0.0+98f1604"],
  [">= 18.09.0-0, < 18.09.1-0", "v0.0.0+c7bb575"],
  ["~18.09.1-0", "v0.3.3"],
  ["> 18.09.1-0, < 18.09.6-0", "v0.3.3+d9f7592"],
  [">= 18.09.6-0, < 18.09.7-0", "v0.4.0+ed4da8b"],
  [">= 18.09.7-0, < 19.03.0-0", "v0.4.0+05766c5"],
  ["<= 19.03.0-beta2", "v0.4.0+b302896"],
  ["<= 19.03.0-beta3", "v0.4.0+8818c67"],
  ["<= 19.03.0-beta5", "v0.5.1+f238f1e"],
  ["< 19.03.2-0", "v0.5.1+1f89ec1"],
  ["<= 19.03.2-beta1", "v0.6.1"],
  [">= 19.03.2-0, < 19.03.3-0", "v0.6.1+588c73e"],
  [">= 19.03.3-0, < 19.03.5-beta2", "v0.6.2"],
  ["<= 19.03.5-rc1", "v0.6.2+ff93519"],
  ["<= 19.03.5", "v0.6.3+928f3b4"],
  ["<= 19.03.6-rc1", "v0.6.3+926935b"],
  [">= 19.03.6-rc2, < 19.03.7-0", "v0.6.3+57e8ad5"],
  [">= 19.03.7-0, < 19.03.9-0", "v0.6.4"],
  [">= 19.03.9-0, < 19.03.13-0", "v0.6.4+a7d7b7f"],
  ["<= 19.03.13-beta2", "v0.6.4+da1f4bf"],
  ["<= 19.03.14", "v0.6.4+df89d4d"],
  ["< 20.10.0", "v0.6.4+396bfe2"],
  ["20.10.0-0 - 20.10.2-0", "v0.8.1"],
  [">= 20.10.3-0, < 20.10.4-0", "v0.8.1+68bb095"],
  ["20.10.4-0 - 20.10.6", "v0.8.2"],
  ["20.10.7-0 - 20.10.10-0", "v0.8.2+244e8cde"],
  ["20.10.11-0 - 20.10.18-0", "v0.8.2+bc07b2b8"],
  [">= 20.10.19-0, < 20.10.20-0", "v0.8.2+3a1eeca5"],
  [">= 20.10.20-0, < 20.10.21-0", "v0.8.2+c0149372"],
  [">= 20.10.21-0, <= 20.10.23", "v0.8.2+eeb7b65"],
  ["~20.10-0", "v0.8+unknown"],
  ["~22.06-0", "v0.10.3"],
  [">= 23.0.0-0, < 23.0.1-0", "v0.10.6"],
  ["23.0.1", "v0.10.6+4f0ee09"],
  [">= 23.0.2-0, < 23.0.4-0", "v0.10.6+70f2ad5"],
  [">= 23.0.4-0, < 23.0.7-0", "v0.10.6+d52b2d5"],
  ["~23-0", "v0.10+unknown"]
]

/** buildx's table, in its order: the first row the daemon version satisfies wins. */
export const mobyBuildkitVersions: ReadonlyArray<MobyBuildkitVersion> = rows.map(
  ([mobyConstraint, buildkitVersion]) => ({
    mobyConstraint,
    buildkitVersion
  })
)

/** A Masterminds version, plus which parts were written (a constraint's missing minor/patch are "dirty"). */
interface LooseVersion {
  readonly version: semver.SemVer
  readonly hasMinor: boolean
  readonly hasPatch: boolean
}

// Masterminds' loose form: optional `v`, leading zeros, minor and patch optional.
const looseRe =
  /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/

/**
 * Masterminds `NewVersion`, then handed to npm semver (strict) for ordering, which is the same
 * precedence once the parts are canonical. Numeric prerelease identifiers with leading zeros are
 * refused as Masterminds does. npm semver also refuses parts above 2^53 and strings over 256
 * characters, which Masterminds would accept; no moby release comes near either.
 */
const parseLoose = (text: string): LooseVersion | undefined => {
  const m = looseRe.exec(text)
  if (m === null) return undefined
  const [, major = "", minor, patch, pre, build] = m
  if (pre?.split(".").some((id) => /^0[0-9]+$/.test(id))) return undefined
  const canonical = [major, minor ?? "0", patch ?? "0"].map((n) => BigInt(n).toString()).join(".")
  const version = semver.parse(`${canonical}${pre ? `-${pre}` : ""}${build ? `+${build}` : ""}`)
  return version === null ? undefined : { version, hasMinor: minor !== undefined, hasPatch: patch !== undefined }
}

type Op = "=" | ">" | "<" | ">=" | "<=" | "~"
interface Term extends LooseVersion {
  readonly op: Op
}

const termRe = /^(>=|<=|>|<|=|~)?\s*(\S+)$/

/**
 * An AND-group of the table's syntax: comma-separated `op version` terms, after rewriting
 * `A - B` to `>= A, <= B`. `||`, `^`, `!=` and `x` wildcards are not used by the table and are refused.
 */
const parseConstraint = (text: string): ReadonlyArray<Term> =>
  text
    .replace(/^\s*(\S+)\s+-\s+(\S+)\s*$/, ">= $1, <= $2")
    .split(",")
    .map((raw) => {
      const m = termRe.exec(raw.trim())
      const version = m?.[2] === undefined ? undefined : parseLoose(m[2])
      if (m === null || version === undefined) throw new Error(`unsupported version constraint: ${text}`)
      return { op: (m[1] ?? "=") as Op, ...version }
    })

const satisfiesTerm = (v: semver.SemVer, term: Term): boolean => {
  const c = term.version
  const order = semver.compare(v, c)
  const minorDirty = !term.hasMinor
  const patchDirty = term.hasMinor && !term.hasPatch
  switch (term.op) {
    case "<":
      return order < 0
    case ">=":
      return order >= 0
    case ">":
      // A dirty bound compares only the parts that were written: `> 1.2` means 1.3 or later.
      if (v.major !== c.major || (!minorDirty && !patchDirty)) return v.major > c.major || order > 0
      return patchDirty && v.minor > c.minor
    case "<=":
      if (!minorDirty && !patchDirty) return order <= 0
      return v.major < c.major || (v.major === c.major && (minorDirty || v.minor <= c.minor))
    case "=":
      if (!minorDirty && !patchDirty) return order === 0
      return satisfiesTerm(v, { ...term, op: "~" })
    case "~":
      // `~X.Y.Z` and `~X.Y` keep major and minor, `~X` keeps the major, all from the bound up.
      if (order < 0) return false
      if (c.major === 0 && c.minor === 0 && c.patch === 0 && !minorDirty && !patchDirty) return true
      return v.major === c.major && (minorDirty || v.minor === c.minor)
  }
}

/**
 * Masterminds `Check` on one AND-group: a prerelease version only satisfies a group in which some
 * term has a prerelease itself, which is why the table writes `-0` bounds.
 */
const satisfies = (v: semver.SemVer, group: ReadonlyArray<Term>): boolean =>
  (v.prerelease.length === 0 || group.some((term) => term.version.prerelease.length > 0)) &&
  group.every((term) => satisfiesTerm(v, term))

const table = mobyBuildkitVersions.map((row) => ({ ...row, group: parseConstraint(row.mobyConstraint) }))

/**
 * buildx `docker` driver `Version()` from the daemon's version string: the first table row it
 * satisfies, else the string with one trailing `-moby` removed (also when it is not a version at all).
 */
export const buildkitVersionFor = (mobyVersion: string): string => {
  const parsed = parseLoose(mobyVersion)
  const row = parsed && table.find((candidate) => satisfies(parsed.version, candidate.group))
  return row?.buildkitVersion ?? mobyVersion.replace(/-moby$/, "")
}
