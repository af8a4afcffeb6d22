/**
 * docker's context metadata: the context id (SHA-256 of the name), the natural order docker lists
 * contexts in, and meta.json decoded as docker's metadata store does it (lower-case struct tags
 * matched case-insensitively, endpoints typed by their exact name, `Description` matched exactly).
 */
import { createHash } from "node:crypto"
import { Either } from "effect"
import { decodeGo, type GoType, goBool, goString, unmarshalGo } from "./GoDecode.js"
import type { JsonNode } from "./GoJson.js"

/** The context id docker uses as folder name: lowercase hex SHA-256 of the name. */
export const contextId = (name: string): string => createHash("sha256").update(name, "utf8").digest("hex")

/** fvbommel/sortorder `NaturalLess`, the order docker lists contexts in (on UTF-8 bytes, as Go indexes strings). */
export const naturalLess = (left: string, right: string): boolean => {
  const a = Buffer.from(left, "utf8")
  const b = Buffer.from(right, "utf8")
  const isDigit = (s: Uint8Array, i: number) => i < s.length && (s[i] as number) >= 0x30 && (s[i] as number) <= 0x39
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const d1 = isDigit(a, i)
    const d2 = isDigit(b, j)
    if (d1 !== d2) return d1
    if (!d1) {
      if (a[i] !== b[j]) return (a[i] as number) < (b[j] as number)
      i++
      j++
      continue
    }
    while (i < a.length && a[i] === 0x30) i++
    while (j < b.length && b[j] === 0x30) j++
    const n1 = i
    const n2 = j
    while (isDigit(a, i)) i++
    while (isDigit(b, j)) j++
    if (i - n1 !== j - n2) return i - n1 < j - n2
    // Equal-length digit runs: byte order is numeric order.
    const runs = Buffer.compare(a.subarray(n1, i), b.subarray(n2, j))
    if (runs !== 0) return runs < 0
    if (n1 !== n2) return n1 < n2
  }
  return a.length - i < b.length - j
}

// docker's untypedContextMetadata: lower-case tags, endpoints kept raw until typed per endpoint name.
const metaType: GoType = {
  kind: "struct",
  name: "store.untypedContextMetadata",
  fields: [
    { key: "metadata", type: { kind: "raw" } },
    { key: "endpoints", type: { kind: "map", name: "map[string]json.RawMessage", elem: { kind: "raw" } } },
    { key: "name", type: goString }
  ]
}
const dockerEndpointType: GoType = {
  kind: "struct",
  name: "context.EndpointMetaBase",
  fields: [
    { key: "Host", type: goString },
    { key: "SkipTLSVerify", type: goBool }
  ]
}
// buildx's kubernetes EndpointMeta embeds EndpointMetaBase, so its fields are promoted.
const kubernetesEndpointType: GoType = {
  kind: "struct",
  name: "context.EndpointMeta",
  fields: [
    { key: "Host", type: goString, embeddedIn: ["EndpointMetaBase"] },
    { key: "SkipTLSVerify", type: goBool, embeddedIn: ["EndpointMetaBase"] },
    { key: "DefaultNamespace", type: goString },
    { key: "ProxyURL", type: goString },
    { key: "AuthProvider", type: { kind: "ptr", elem: { kind: "opaque", name: "api.AuthProviderConfig" } } },
    { key: "Exec", type: { kind: "ptr", elem: { kind: "opaque", name: "api.ExecConfig" } } },
    {
      key: "usernamePassword",
      type: {
        kind: "ptr",
        elem: {
          kind: "struct",
          name: "context.UsernamePassword",
          fields: [
            { key: "username", type: goString },
            { key: "password", type: goString }
          ]
        }
      }
    },
    { key: "token", type: goString }
  ]
}

interface EndpointMetaBase {
  readonly Host: string
  readonly SkipTLSVerify: boolean
}
interface KubernetesEndpointMeta extends EndpointMetaBase {
  readonly DefaultNamespace: string
}

/**
 * A context as its meta.json describes it, before TLS material is attached. `docker` is null when the
 * key is there with a JSON null: docker keeps a nil under the key, which its EndpointFromContext
 * rejects as `endpoint "docker" is not of type EndpointMeta` rather than reporting it missing.
 */
export interface ContextMeta {
  readonly name: string
  readonly description: string
  readonly docker: EndpointMetaBase | null | undefined
  readonly kubernetes: KubernetesEndpointMeta | undefined
}

// Go's name for the dynamic type of a decoded JSON value, as the panic of a failed type assertion prints it.
const goDynamicType: Record<JsonNode["kind"], string> = {
  null: "nil",
  number: "float64",
  bool: "bool",
  string: "string",
  array: "[]interface {}",
  object: "map[string]interface {}"
}

const plainMapError = (node: JsonNode): string | undefined =>
  node.kind === "object"
    ? undefined
    : `json: cannot unmarshal ${node.kind} into Go value of type map[string]interface {}`

// docker's DockerContext.UnmarshalJSON: a map, `Description` matched exactly (case-sensitive, last one wins).
const decodeDescription = (node: JsonNode | null): Either.Either<string, string> => {
  if (node === null) return Either.right("")
  if (node.kind !== "object") return Either.left(plainMapError(node) as string)
  const value = [...node.members].reverse().find(([key]) => key === "Description")?.[1]
  if (value === undefined) return Either.right("")
  // Go asserts `v.(string)` here and panics on anything else; this reports the panic text instead.
  return value.kind === "string"
    ? Either.right(value.value)
    : Either.left(`interface conversion: interface {} is ${goDynamicType[value.kind]}, not string`)
}

/** Decodes a meta.json as docker's `getByID`; Left is the text after `parsing <file>: `. */
export const decodeContextMeta = (bytes: Uint8Array): Either.Either<ContextMeta, string> => {
  const outer = unmarshalGo<{
    metadata: JsonNode | null
    endpoints: Record<string, JsonNode | null> | null
    name: string
  }>(metaType, bytes)
  if (outer.error !== undefined) return Either.left(outer.error)
  const description = decodeDescription(outer.value.metadata)
  if (Either.isLeft(description)) return Either.left(description.left)
  let docker: EndpointMetaBase | null | undefined
  let kubernetes: KubernetesEndpointMeta | undefined
  const endpoints = outer.value.endpoints ?? {}
  // Go walks this map in random order; sorted here so the reported error is stable.
  for (const name of Object.keys(endpoints).sort()) {
    const raw = endpoints[name] ?? null
    // parseTypedOrMap turns null into a nil stored under the key; buildx's kubernetes lookup treats that as absent.
    if (raw === null) {
      if (name === "docker") docker = null
      continue
    }
    if (name === "docker" || name === "kubernetes") {
      const typed = decodeGo<KubernetesEndpointMeta>(
        name === "docker" ? dockerEndpointType : kubernetesEndpointType,
        raw
      )
      if (typed.error !== undefined) return Either.left(typed.error)
      if (name === "docker") docker = typed.value
      else kubernetes = typed.value
    } else {
      const error = plainMapError(raw)
      if (error !== undefined) return Either.left(error)
    }
  }
  return Either.right({ name: outer.value.name, description: description.right, docker, kubernetes })
}
