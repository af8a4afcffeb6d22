/**
 * `buildx ls` output (SPEC §5.1–5.3): the builder and node rows, the fields a `--format` template
 * can name, the default and custom tables laid out by docker's tabwriter, `--format json`, and the
 * error trailer written to stderr. Templates are a documented subset of Go's; anything beyond it is
 * an `UnsupportedTemplate` error rather than output that silently differs from buildx.
 */
import { type Builder, compareGoStrings, goQuote, type Node, nodeStatus, Platforms } from "@buildlens/core"
import { Either, Schema } from "effect"
import { type GoJsonValue, goJson, goJsonString } from "./gojson.js"
import { dockerTabwriter, tabwrite } from "./tabwriter.js"
import { goTrimSpace, rfc3339, rfc3339Nano, zeroTimeRfc3339 } from "./units.js"

/** A `--format` template using something outside the supported subset (or not a well-formed template). */
export class UnsupportedTemplate extends Schema.TaggedError<UnsupportedTemplate>()("UnsupportedTemplate", {
  template: Schema.String,
  construct: Schema.String
}) {
  override get message(): string {
    const supported = `{{.Field}}, {{json .Field}} and {{json .}} with Field one of ${lsFields.join(", ")}`
    const where = `in format ${goQuote(this.template)}`
    return `unsupported template construct ${goQuote(this.construct)} ${where}: only ${supported} are supported`
  }
}

/** The fields an ls template may name (buildx `lsContext` methods), in the order buildx documents them. */
export const lsFields = ["Name", "DriverEndpoint", "Status", "Buildkit", "Platforms", "LastActivity", "Error"] as const
export type LsField = (typeof lsFields)[number]

/** The header map of buildx ls: a table template rendered over it gives the header line. */
const lsHeaders: Readonly<Partial<Record<LsField, string>>> = {
  Name: "NAME/NODE",
  DriverEndpoint: "DRIVER/ENDPOINT",
  LastActivity: "LAST ACTIVITY",
  Status: "STATUS",
  Buildkit: "BUILDKIT",
  Platforms: "PLATFORMS"
}

const defaultTableFormat = "table {{.Name}}\t{{.DriverEndpoint}}\t{{.Status}}\t{{.Buildkit}}\t{{.Platforms}}"

/** The four characters buildx puts before node names and endpoints in tables. */
const indent = " \\_ "

/** One builder row (`node` undefined) or one node row of a builder. */
export interface LsRow {
  readonly builder: Builder
  readonly node: Node | undefined
}

/** How a row is being rendered: in a table or not, truncating platforms, for the current builder. */
export interface LsFieldContext {
  readonly table: boolean
  readonly truncate: boolean
  readonly current: boolean
}

// SPEC §5.2 (`commands/ls.go` truncPlatforms): the major platforms, listed first and in this order.
const majorPlatforms = [
  "linux/amd64",
  "linux/arm64",
  "linux/arm",
  "linux/ppc64le",
  "linux/s390x",
  "linux/riscv64",
  "linux/mips64"
] as const

// The grouping key of an entry: os/arch of its containerd parse without the `*`; unparsable → none.
const platformKey = (entry: string): string | undefined => {
  const parsed = Platforms.parse(entry.endsWith("*") ? entry.slice(0, -1) : entry)
  return Either.isRight(parsed) ? `${parsed.right.os}/${parsed.right.architecture}` : undefined
}

/** buildx `truncPlatforms(pfs, max).String()`: major platforms first, groups as `key (+n)`, then `(n more)`. */
export const truncatePlatforms = (entries: ReadonlyArray<string>, max = 4): string => {
  const keys = entries.map(platformKey)
  const groups = new Map<string, Array<string>>()
  for (const major of majorPlatforms) {
    for (const [i, entry] of entries.entries()) {
      if (groups.size >= max) break
      if (keys[i] !== major) continue
      groups.set(major, [...(groups.get(major) ?? []), entry])
    }
  }
  // The remaining keys are collected without limit; the size checked is that of the major groups.
  const others = new Map<string, Array<string>>()
  for (const [i, entry] of entries.entries()) {
    if (groups.size >= max) break
    const key = keys[i]
    if (key === undefined || groups.has(key)) continue
    others.set(key, [...(others.get(key) ?? []), entry])
  }
  for (const [key, members] of others) groups.set(key, members)

  const out: Array<string> = []
  let rendered = 0
  const render = (key: string, members: ReadonlyArray<string>): void => {
    const [only] = members
    if (members.length === 1 && only !== undefined) {
      out.push(only)
    } else {
      out.push(`${key}${members.some((m) => m.endsWith("*")) ? "*" : ""} (+${members.length})`)
    }
    rendered += members.length
  }
  for (const major of majorPlatforms) {
    const members = groups.get(major)
    if (members !== undefined) render(major, members)
  }
  for (const key of [...groups.keys()].sort(compareGoStrings)) {
    if (out.length >= max) break
    if ((majorPlatforms as ReadonlyArray<string>).includes(key)) continue
    render(key, groups.get(key) ?? [])
  }
  if (entries.length - rendered > 0) {
    out.push(`(${entries.length - rendered} more)`)
  }
  return out.join(", ")
}

/** The value of one field on one row, as buildx's `lsContext` computes it. */
export const lsFieldValue = (row: LsRow, field: LsField, context: LsFieldContext): string => {
  const { builder, node } = row
  // buildx decides the row kind by the node name, so a stored node without a name renders as a builder row.
  if (node === undefined || node.name === "") {
    switch (field) {
      case "Name":
        return context.current && context.table ? `${builder.name}*` : builder.name
      case "DriverEndpoint":
        return builder.driver
      case "Status":
        return builder.error !== undefined ? "error" : ""
      case "LastActivity":
        return builder.lastActivity === undefined ? "" : rfc3339(builder.lastActivity)
      case "Error":
        return builder.error?.message ?? ""
      default:
        return ""
    }
  }
  switch (field) {
    case "Name":
      return context.table ? indent + node.name : node.name
    case "DriverEndpoint":
      return context.table ? indent + node.endpoint : node.endpoint
    case "Status":
      return nodeStatus(node)
    case "Buildkit":
      return node.version
    case "Platforms": {
      const platforms = Platforms.formatInGroups(node.storedPlatforms, node.platforms)
      return context.truncate && context.table ? truncatePlatforms(platforms) : platforms.join(", ")
    }
    case "LastActivity":
      return ""
    case "Error":
      return node.error?.message ?? builder.error?.message ?? ""
  }
}

// `json:",omitempty"`: a field is left out when its string, list or map is empty.
const omitEmpty = (fields: Readonly<Record<string, GoJsonValue>>): Record<string, GoJsonValue> =>
  Object.fromEntries(
    Object.entries(fields).filter(([, value]) =>
      typeof value === "string"
        ? value !== ""
        : Array.isArray(value)
          ? value.length > 0
          : value !== null && typeof value === "object"
            ? Object.keys(value).length > 0
            : true
    )
  )

/** buildx `Node.MarshalJSON` (SPEC §5.3); keys are sorted when encoded. CDI devices are not part of it. */
export const nodeJson = (node: Node): GoJsonValue => ({
  Name: node.name,
  Endpoint: node.endpoint,
  ...omitEmpty({
    Flags: node.buildkitdFlags,
    DriverOpts: node.driverOpts,
    Files: Object.fromEntries(
      Object.entries(node.files).map(([name, bytes]) => [name, Buffer.from(bytes).toString("base64")])
    ),
    Status: nodeStatus(node),
    ProxyConfig: node.proxyConfig,
    Version: node.version,
    Err: node.error === undefined ? "" : goTrimSpace(node.error.message),
    IDs: node.ids,
    Platforms: node.platforms.map(Platforms.format),
    GCPolicy: node.gcPolicy.map((rule) => ({
      all: rule.all,
      filter: rule.filter.length === 0 ? null : rule.filter,
      keepDuration: rule.keepDuration,
      reservedSpace: rule.reservedSpace,
      maxUsedSpace: rule.maxUsedSpace,
      minFreeSpace: rule.minFreeSpace
    })),
    Labels: node.labels
  })
})

/** One `ls --format json` object: buildx `Builder.MarshalJSON` plus `Current`. */
export const builderJson = (builder: Builder, current: boolean): GoJsonValue => ({
  Current: current,
  Driver: builder.driver,
  Dynamic: builder.nodeGroup.dynamic,
  LastActivity: builder.lastActivity === undefined ? zeroTimeRfc3339 : rfc3339Nano(builder.lastActivity),
  Name: builder.name,
  // buildx allocates one node per stored node (`[]` for none), except that an empty builder passes
  // the dynamic-node replacement, which leaves it a nil list: `null`.
  Nodes:
    builder.nodes === undefined || (builder.nodes.length === 0 && builder.error === undefined)
      ? null
      : builder.nodes.map(nodeJson),
  ...(builder.error === undefined ? {} : omitEmpty({ Err: goTrimSpace(builder.error.message) }))
})

type Piece =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "field"; readonly field: LsField; readonly json: boolean }
  | { readonly kind: "self" }

const isField = (name: string): name is LsField => (lsFields as ReadonlyArray<string>).includes(name)

const trimmable = /^[ \t\r\n]/

/**
 * Parses the supported subset of Go templates: text, `{{.Field}}`, `{{json .Field}}`, `{{json .}}`,
 * with optional spaces and `{{- -}}` trim markers.
 */
const parseTemplate = (template: string, source: string): Either.Either<ReadonlyArray<Piece>, UnsupportedTemplate> => {
  const pieces: Array<Piece> = []
  let rest = template
  let trimNext = false
  while (rest !== "") {
    const open = rest.indexOf("{{")
    let text = open < 0 ? rest : rest.slice(0, open)
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "")
    if (open < 0) {
      if (text !== "") pieces.push({ kind: "text", text })
      break
    }
    const close = rest.indexOf("}}", open + 2)
    if (close < 0) {
      return Either.left(UnsupportedTemplate.make({ template: source, construct: rest.slice(open) }))
    }
    const construct = rest.slice(open, close + 2)
    let inner = rest.slice(open + 2, close)
    if (inner.startsWith("-") && trimmable.test(inner.slice(1))) {
      text = text.replace(/[ \t\r\n]+$/, "")
      inner = inner.slice(1)
    }
    trimNext = inner.endsWith("-") && /[ \t\r\n]$/.test(inner.slice(0, -1))
    if (trimNext) inner = inner.slice(0, -1)
    if (text !== "") pieces.push({ kind: "text", text })
    const words = inner.trim().split(/[ \t\r\n]+/)
    const [first = "", second, ...more] = words
    const field = (word: string | undefined): LsField | undefined => {
      const name = word?.startsWith(".") ? word.slice(1) : undefined
      return name !== undefined && isField(name) ? name : undefined
    }
    const plain = second === undefined ? field(first) : undefined
    const jsonField = first === "json" && more.length === 0 ? field(second) : undefined
    if (plain !== undefined) {
      pieces.push({ kind: "field", field: plain, json: false })
    } else if (jsonField !== undefined) {
      pieces.push({ kind: "field", field: jsonField, json: true })
    } else if (first === "json" && second === "." && more.length === 0) {
      pieces.push({ kind: "self" })
    } else {
      return Either.left(UnsupportedTemplate.make({ template: source, construct }))
    }
    rest = rest.slice(close + 2)
  }
  return Either.right(pieces)
}

/** docker/cli `Format.templateString`: `table` prefix removed, spaces trimmed, literal `\t` and `\n` expanded. */
const templateText = (format: string): string => {
  if (format === "json") return "{{json .}}"
  const body = format.startsWith("table") ? format.slice("table".length) : format
  return body.replace(/^ +| +$/g, "").replace(/\\[tn]/g, (literal) => (literal === "\\t" ? "\t" : "\n"))
}

const renderRow = (pieces: ReadonlyArray<Piece>, row: LsRow, context: LsFieldContext): string =>
  pieces
    .map((piece) =>
      piece.kind === "text"
        ? piece.text
        : piece.kind === "self"
          ? goJson(builderJson(row.builder, context.current))
          : piece.json
            ? // docker's `json` template function encodes with SetEscapeHTML(false).
              goJsonString(lsFieldValue(row, piece.field, context), { escapeHTML: false })
            : lsFieldValue(row, piece.field, context)
    )
    .join("")

// The header is the template executed over the header map: docker's header functions pass names
// through, and a field missing from the map prints Go's `<no value>`.
const renderHeader = (pieces: ReadonlyArray<Piece>, source: string): Either.Either<string, UnsupportedTemplate> => {
  let out = ""
  for (const piece of pieces) {
    if (piece.kind === "text") {
      out += piece.text
    } else if (piece.kind === "field" && (!piece.json || lsHeaders[piece.field] !== undefined)) {
      out += lsHeaders[piece.field] ?? "<no value>"
    } else {
      // Go fails these on the header map mid-line and docker ignores the error: not reproduced.
      const construct = piece.kind === "self" ? "{{json .}}" : `{{json .${piece.field}}}`
      return Either.left(UnsupportedTemplate.make({ template: source, construct }))
    }
  }
  return Either.right(out)
}

/** Builders without a builder error first, then the failed ones, each group keeping its order. */
export const lsOrder = (builders: ReadonlyArray<Builder>): ReadonlyArray<Builder> => [
  ...builders.filter((b) => b.error === undefined),
  ...builders.filter((b) => b.error !== undefined)
]

/**
 * What buildx writes to stderr after an ls table when something failed: an empty line, then per
 * failed builder `Cannot load builder …`, else per failed node `Failed to get status for …`. Empty when
 * nothing failed. Expects builders in row order (`lsOrder`).
 */
export const lsErrorTrailer = (builders: ReadonlyArray<Builder>): string => {
  const lines = builders.flatMap((b) =>
    b.error !== undefined
      ? [`Cannot load builder ${b.name}: ${goTrimSpace(b.error.message)}`]
      : (b.nodes ?? []).flatMap((n) =>
          n.error === undefined
            ? []
            : [`Failed to get status for ${b.name} (${n.name}): ${goTrimSpace(n.error.message)}`]
        )
  )
  return lines.length === 0 ? "" : `\n${lines.map((line) => `${line}\n`).join("")}`
}

/** Options of `ls`: the `--format` string, `--no-trunc`, and the current builder's name. */
export interface LsOptions {
  readonly format: string
  readonly noTrunc: boolean
  readonly current: string | undefined
}

/** The complete `buildx ls` output for loaded builders: stdout, and stderr (only table formats write it). */
export const renderLs = (
  builders: ReadonlyArray<Builder>,
  options: LsOptions
): Either.Either<{ readonly stdout: string; readonly stderr: string }, UnsupportedTemplate> => {
  const format = options.format === "table" ? defaultTableFormat : options.format
  const table = format.startsWith("table")
  const json = format === "json"
  const parsed = parseTemplate(templateText(format), options.format)
  if (Either.isLeft(parsed)) return Either.left(parsed.left)
  const pieces = parsed.right
  const ordered = lsOrder(builders)
  const rows = ordered.flatMap((builder): ReadonlyArray<LsRow> => {
    const own: LsRow = { builder, node: undefined }
    return builder.error !== undefined || json
      ? [own]
      : [own, ...(builder.nodes ?? []).map((node) => ({ builder, node }))]
  })
  const body = rows
    .map((row) => {
      const context = { table, truncate: !options.noTrunc, current: row.builder.name === options.current }
      return `${renderRow(pieces, row, context)}\n`
    })
    .join("")
  if (!table) {
    return Either.right({ stdout: body, stderr: "" })
  }
  const header = renderHeader(pieces, options.format)
  if (Either.isLeft(header)) return Either.left(header.left)
  return Either.right({
    stdout: tabwrite(`${header.right}\n${body}`, dockerTabwriter),
    stderr: lsErrorTrailer(ordered)
  })
}
