/**
 * What the buildx store keeps: a NodeGroup (one builder) and its stored nodes, with the JSON
 * codec that reads and writes `instances/<name>` byte-compatibly with buildx (SPEC §1.7).
 */
import { Schema } from "effect"
import { Platform } from "./Platform.js"

/** A node as stored: where it lives and how it was configured. Empty lists and maps stand for JSON `null`. */
export interface StoredNode {
  readonly name: string
  readonly endpoint: string
  readonly platforms: ReadonlyArray<Platform>
  readonly driverOpts: Readonly<Record<string, string>>
  readonly buildkitdFlags: ReadonlyArray<string>
  readonly files: Readonly<Record<string, Uint8Array>>
}

/** A builder as stored. `dynamic` is set once kubernetes pods replaced the static nodes. */
export interface NodeGroup {
  readonly name: string
  readonly driver: string
  readonly nodes: ReadonlyArray<StoredNode>
  readonly dynamic: boolean
}

const orEmptyList = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.transform(Schema.NullOr(Schema.Array(item)), Schema.typeSchema(Schema.Array(item)), {
    strict: true,
    decode: (list) => list ?? [],
    encode: (list) => (list.length === 0 ? null : list)
  })

const orEmptyRecord = <A, I>(value: Schema.Schema<A, I>) =>
  Schema.transform(
    Schema.NullOr(Schema.Record({ key: Schema.String, value })),
    Schema.typeSchema(Schema.Record({ key: Schema.String, value })),
    {
      strict: true,
      decode: (record) => record ?? {},
      encode: (record) => (Object.keys(record).length === 0 ? null : record)
    }
  )

/** The JSON form of a stored node: buildx's Go field names, `Flags` for BuildkitdFlags, base64 `Files`. */
export const StoredNodeJson: Schema.Schema<StoredNode, unknown> = Schema.Struct({
  name: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("Name")),
  endpoint: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("Endpoint")),
  platforms: Schema.optionalWith(orEmptyList(Platform), { default: () => [] }).pipe(Schema.fromKey("Platforms")),
  driverOpts: Schema.optionalWith(orEmptyRecord(Schema.String), { default: () => ({}) }).pipe(
    Schema.fromKey("DriverOpts")
  ),
  buildkitdFlags: Schema.optionalWith(orEmptyList(Schema.String), { default: () => [] }).pipe(Schema.fromKey("Flags")),
  files: Schema.optionalWith(orEmptyRecord(Schema.Uint8ArrayFromBase64), { default: () => ({}) }).pipe(
    Schema.fromKey("Files")
  )
}) as unknown as Schema.Schema<StoredNode, unknown>

/** The JSON form of `instances/<name>`, field order as Go writes it. */
export const NodeGroupJson: Schema.Schema<NodeGroup, unknown> = Schema.Struct({
  name: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("Name")),
  driver: Schema.optionalWith(Schema.String, { default: () => "" }).pipe(Schema.fromKey("Driver")),
  nodes: Schema.optionalWith(orEmptyList(StoredNodeJson), { default: () => [] }).pipe(Schema.fromKey("Nodes")),
  dynamic: Schema.optionalWith(Schema.Boolean, { default: () => false }).pipe(Schema.fromKey("Dynamic"))
}) as unknown as Schema.Schema<NodeGroup, unknown>

/** The synthesized NodeGroup of a docker context builder: one node named and addressed by the context. */
export const contextNodeGroup = (name: string): NodeGroup => ({
  name,
  driver: "",
  dynamic: false,
  nodes: [{ name, endpoint: name, platforms: [], driverOpts: {}, buildkitdFlags: [], files: {} }]
})
