/**
 * Decoding a parsed JSON value into typed Go structs as encoding/json does: exact-then-folded key
 * matching, repeated keys merging into maps, structs and existing slice elements, null as a no-op
 * for scalars, base64 `[]byte`, and the first `json: cannot unmarshal ...` error with Go's field path.
 */
import { type JsonNode, parseUnmarshal } from "./GoJson.js"

/** A Go type as far as decoding needs it; `name` is Go's `reflect.Type.String()`. */
export type GoType =
  | { readonly kind: "string" }
  | { readonly kind: "bool" }
  | { readonly kind: "bytes" }
  | { readonly kind: "raw" }
  | { readonly kind: "opaque"; readonly name: string }
  | { readonly kind: "slice"; readonly name: string; readonly elem: GoType }
  | { readonly kind: "map"; readonly name: string; readonly elem: GoType }
  | { readonly kind: "ptr"; readonly elem: GoType }
  | { readonly kind: "struct"; readonly name: string; readonly fields: ReadonlyArray<GoField> }

/** A struct field: its JSON key and, for promoted fields of embedded structs, the embedded type names. */
interface GoField {
  readonly key: string
  readonly type: GoType
  readonly embeddedIn?: ReadonlyArray<string>
}

const typeName = (type: GoType): string => {
  switch (type.kind) {
    case "string":
    case "bool":
      return type.kind
    case "bytes":
      return "[]uint8"
    case "raw":
      return "json.RawMessage"
    case "ptr":
      return typeName(type.elem)
    default:
      return type.name
  }
}

/** Go's zero value of a type, as the decoder starts from it. */
const zeroValue = (type: GoType): unknown => {
  if (type.kind === "string") return ""
  if (type.kind === "bool") return false
  if (type.kind === "struct") return Object.fromEntries(type.fields.map((f) => [f.key, zeroValue(f.type)]))
  return null
}

interface DecodeState {
  struct: string | undefined
  fields: Array<string>
  saved: string | undefined
}

const describe = (node: JsonNode): string => node.kind

const saveTypeError = (state: DecodeState, value: string, type: GoType): void => {
  if (state.saved !== undefined) return
  const target = typeName(type)
  const field = `${state.struct ?? ""}.${state.fields.join(".")}`
  state.saved =
    state.struct !== undefined || state.fields.length > 0
      ? `json: cannot unmarshal ${value} into Go struct field ${field} of type ${target}`
      : `json: cannot unmarshal ${value} into Go value of type ${target}`
}

// Go's foldName: ASCII upper-cased; the only non-ASCII runes folding onto ASCII letters are ſ and K.
const fold = (key: string): string =>
  key.replace(/[a-z\u017f\u212a]/g, (c) => (c === "\u017f" ? "S" : c === "\u212a" ? "K" : c.toUpperCase()))

const findField = (fields: ReadonlyArray<GoField>, key: string): GoField | undefined =>
  fields.find((f) => f.key === key) ?? fields.find((f) => fold(f.key) === fold(key))

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/**
 * `base64.StdEncoding.Decode`: padding required, CR and LF ignored, the error names the byte offset
 * the way Go's `CorruptInputError` does.
 */
export const decodeBase64Std = (input: string): Uint8Array | string => {
  const src = input
  const out: Array<number> = []
  const corrupt = (offset: number) => `illegal base64 data at input byte ${offset}`
  const isNl = (ch: string | undefined) => ch === "\n" || ch === "\r"
  let si = 0
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0]
    let dlen = 4
    let trailing: number | undefined
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out)
        return corrupt(si - j)
      }
      const ch = src[si] as string
      si++
      const v = base64Alphabet.indexOf(ch)
      if (v >= 0 && ch.length === 1) {
        dbuf[j] = v
        continue
      }
      if (isNl(ch)) {
        j--
        continue
      }
      if (ch !== "=") return corrupt(si - 1)
      if (j === 0 || j === 1) return corrupt(si - 1)
      if (j === 2) {
        while (si < src.length && isNl(src[si])) si++
        if (si === src.length) return corrupt(src.length)
        if (src[si] !== "=") return corrupt(si - 1)
        si++
      }
      while (si < src.length && isNl(src[si])) si++
      if (si < src.length) trailing = si
      dlen = j
      break
    }
    const val =
      ((dbuf[0] as number) << 18) | ((dbuf[1] as number) << 12) | ((dbuf[2] as number) << 6) | (dbuf[3] as number)
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff]
    out.push(...bytes.slice(0, dlen - 1))
    if (trailing !== undefined) return corrupt(trailing)
  }
  return Uint8Array.from(out)
}

const decodeInto = (type: GoType, node: JsonNode, current: unknown, state: DecodeState): unknown => {
  switch (type.kind) {
    case "raw":
      return node.kind === "null" ? null : node
    case "string":
      if (node.kind === "string") return node.value
      if (node.kind !== "null") saveTypeError(state, describe(node), type)
      return current
    case "bool":
      if (node.kind === "bool") return node.value
      if (node.kind !== "null") saveTypeError(state, describe(node), type)
      return current
    case "opaque":
      if (node.kind === "object") return node
      if (node.kind !== "null") saveTypeError(state, describe(node), type)
      return current
    case "ptr":
      if (node.kind === "null") return null
      return decodeInto(type.elem, node, current ?? zeroValue(type.elem), state)
    case "bytes":
      return decodeBytes(type, node, current, state)
    case "slice": {
      if (node.kind === "null") return null
      if (node.kind !== "array") {
        saveTypeError(state, describe(node), type)
        return current
      }
      // Go decodes element i into the existing element i, so a repeated key merges into it.
      const existing = Array.isArray(current) ? current : []
      return node.items.map((item, i) =>
        decodeInto(type.elem, item, i < existing.length ? existing[i] : zeroValue(type.elem), state)
      )
    }
    case "map": {
      if (node.kind === "null") return null
      if (node.kind !== "object") {
        saveTypeError(state, describe(node), type)
        return current
      }
      // An existing map keeps its entries; each element is decoded from a fresh zero value.
      const result: Record<string, unknown> = { ...((current as Record<string, unknown> | null) ?? {}) }
      for (const [key, value] of node.members) {
        Object.defineProperty(result, key, {
          value: decodeInto(type.elem, value, zeroValue(type.elem), state),
          enumerable: true,
          writable: true,
          configurable: true
        })
      }
      return result
    }
    case "struct": {
      if (node.kind === "null") return current
      if (node.kind !== "object") {
        saveTypeError(state, describe(node), type)
        return current
      }
      const result: Record<string, unknown> = { ...(current as Record<string, unknown>) }
      const outerStruct = state.struct
      const depth = state.fields.length
      for (const [key, value] of node.members) {
        const field = findField(type.fields, key)
        if (field === undefined) continue
        state.fields.push(...(field.embeddedIn ?? []), field.key)
        state.struct = type.name.slice(type.name.lastIndexOf(".") + 1)
        result[field.key] = decodeInto(field.type, value, result[field.key], state)
        state.fields.length = depth
        state.struct = outerStruct
      }
      return result
    }
  }
}

const decodeBytes = (type: GoType, node: JsonNode, current: unknown, state: DecodeState): unknown => {
  if (node.kind === "null") return null
  if (node.kind === "string") {
    const decoded = decodeBase64Std(node.value)
    if (typeof decoded === "string") {
      state.saved ??= decoded
      return current
    }
    return decoded
  }
  if (node.kind === "array") {
    return Uint8Array.from(
      node.items.map((item) => {
        if (item.kind === "number" && /^\d+$/.test(item.text) && Number(item.text) <= 255) return Number(item.text)
        if (item.kind === "number") saveTypeError(state, `number ${item.text}`, { kind: "opaque", name: "uint8" })
        else if (item.kind !== "null") saveTypeError(state, describe(item), { kind: "opaque", name: "uint8" })
        return 0
      })
    )
  }
  saveTypeError(state, describe(node), type)
  return current
}

/** The result of decoding: Go's (possibly partial) value and the first error Go would return. */
interface Decoded<A> {
  readonly value: A
  readonly error: string | undefined
}

/** Decodes a parsed value into a Go type starting from its zero value (`json.Unmarshal` into `new(T)`). */
export const decodeGo = <A>(type: GoType, node: JsonNode, initial: unknown = zeroValue(type)): Decoded<A> => {
  const state: DecodeState = { struct: undefined, fields: [], saved: undefined }
  const value = decodeInto(type, node, initial, state) as A
  return { value, error: state.saved }
}

/** `json.Unmarshal(bytes, new(T))`: a syntax error leaves the zero value, type errors keep the partial value. */
export const unmarshalGo = <A>(type: GoType, bytes: Uint8Array): Decoded<A> => {
  const parsed = parseUnmarshal(bytes)
  if (parsed._tag !== "Value") {
    return { value: zeroValue(type) as A, error: parsed._tag === "SyntaxError" ? parsed.message : undefined }
  }
  return decodeGo<A>(type, parsed.node)
}

// Small constructors for the type tables of the file formats.
export const goString: GoType = { kind: "string" }
export const goBool: GoType = { kind: "bool" }
export const goStrings: GoType = { kind: "slice", name: "[]string", elem: goString }
export const goStringMap: GoType = { kind: "map", name: "map[string]string", elem: goString }
