/**
 * `buildx inspect` output (SPEC §5.4): label/value lines written through Go's stdlib tabwriter, so
 * labels align per column block; plus the JSON form, which is the builder's `ls --format json` object.
 * Where buildx iterates a Go map (driver options, device annotations, files) the keys are sorted.
 */
import {
  type Builder,
  type CDIDevice,
  compareGoStrings,
  type GCPolicy,
  goQuote,
  type Node,
  Platforms
} from "@buildlens/core"
import { goJson } from "./gojson.js"
import { builderJson } from "./ls.js"
import { goTabwriter, tabwrite } from "./tabwriter.js"
import { bytesSize, goDuration, goTimeString } from "./units.js"

/** Options of `inspect`: debug mode (`-D` or `DEBUG`) adds each node's driver features, given per node. */
export interface InspectOptions {
  readonly debug: boolean
  readonly features: ReadonlyArray<Readonly<Record<string, boolean>> | undefined>
}

const sortedEntries = <A>(record: Readonly<Record<string, A>>): ReadonlyArray<readonly [string, A]> =>
  Object.entries(record).sort(([a], [b]) => compareGoStrings(a, b))

const deviceLines = (device: CDIDevice): ReadonlyArray<string> => [
  `\tName:\t${device.name}`,
  device.onDemand ? "\tOn-Demand:\ttrue" : `\tAutomatically allowed:\t${device.autoAllow}`,
  // `\tAnnotations:` has a single tab, so it ends only the outer column blocks (SPEC §5.4).
  ...(Object.keys(device.annotations).length > 0
    ? ["\tAnnotations:", ...sortedEntries(device.annotations).map(([k, v]) => `\t\t${k}:\t${v}`)]
    : [])
]

const gcRuleLines = (rule: GCPolicy, index: number): ReadonlyArray<string> => [
  `GC Policy rule#${index}:`,
  `\tAll:\t${rule.all}`,
  ...(rule.filter.length > 0 ? [`\tFilters:\t${rule.filter.join(" ")}`] : []),
  ...(rule.keepDuration > 0 ? [`\tKeep Duration:\t${goDuration(rule.keepDuration)}`] : []),
  ...(rule.reservedSpace > 0 ? [`\tReserved Space:\t${bytesSize(rule.reservedSpace)}`] : []),
  ...(rule.maxUsedSpace > 0 ? [`\tMax Used Space:\t${bytesSize(rule.maxUsedSpace)}`] : []),
  ...(rule.minFreeSpace > 0 ? [`\tMin Free Space:\t${bytesSize(rule.minFreeSpace)}`] : [])
]

// TODO(non-UTF-8 config files): Go prints a file's bytes raw; invalid UTF-8 here becomes U+FFFD.
const decoder = new TextDecoder("utf-8")

const nodeLines = (node: Node, features: Readonly<Record<string, boolean>> | undefined, debug: boolean) => {
  const lines = [`Name:\t${node.name}`, `Endpoint:\t${node.endpoint}`]
  const driverOpts = sortedEntries(node.driverOpts).map(([k, v]) => `${k}=${goQuote(v)}`)
  if (driverOpts.length > 0) lines.push(`Driver Options:\t${driverOpts.join(" ")}`)
  if (node.error !== undefined) {
    lines.push(`Error:\t${node.error.message}`)
    return lines
  }
  lines.push(`Status:\t${node.driverInfo?.status ?? ""}`)
  if (node.buildkitdFlags.length > 0) lines.push(`BuildKit daemon flags:\t${node.buildkitdFlags.join(" ")}`)
  if (node.version !== "") lines.push(`BuildKit version:\t${node.version}`)
  const platforms = Platforms.formatInGroups(node.storedPlatforms, node.platforms)
  if (platforms.length > 0) lines.push(`Platforms:\t${platforms.join(", ")}`)
  if (debug) {
    lines.push("Features:", ...sortedEntries(features ?? {}).map(([k, v]) => `\t${k}:\t${v}`))
  }
  if (Object.keys(node.labels).length > 0) {
    lines.push("Labels:", ...sortedEntries(node.labels).map(([k, v]) => `\t${k}:\t${v}`))
  }
  if (node.cdiDevices.length > 0) lines.push("Devices:", ...node.cdiDevices.flatMap(deviceLines))
  lines.push(...node.gcPolicy.flatMap(gcRuleLines))
  for (const [name, content] of sortedEntries(node.files)) {
    lines.push(
      `File#${name}:`,
      ...decoder
        .decode(content)
        .split("\n")
        .map((piece) => `\t> ${piece}`)
    )
  }
  return lines
}

/** The text `buildx inspect` prints for a loaded builder; a builder error replaces the Nodes section. */
export const renderInspect = (builder: Builder, options: InspectOptions): string => {
  const lines = [`Name:\t${builder.name}`, `Driver:\t${builder.driver}`]
  if (builder.lastActivity !== undefined) lines.push(`Last Activity:\t${goTimeString(builder.lastActivity)}`)
  if (builder.error !== undefined) {
    lines.push(`Error:\t${builder.error.message}`)
  } else {
    lines.push("", "Nodes:")
    ;(builder.nodes ?? []).forEach((node, i) => {
      if (i > 0) lines.push("")
      lines.push(...nodeLines(node, options.features[i], options.debug))
    })
  }
  return tabwrite(lines.map((line) => `${line}\n`).join(""), goTabwriter)
}

/** `inspect --format json` (a buildlens addition): the builder's `ls --format json` line. */
export const renderInspectJson = (
  builder: Builder,
  options: { readonly current: boolean } = { current: false }
): string => `${goJson(builderJson(builder, options.current))}\n`
