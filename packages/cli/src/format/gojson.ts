/**
 * Go `encoding/json` output for plain values. buildx's `ls --format json` re-encodes every object
 * through a `map[string]any`, so keys come out sorted by bytes at every level; strings use Go's
 * escapes, and numbers are float64 as Go prints them.
 */
import { compareGoStrings } from "@buildlens/core"

/** A JSON value as Go would hold it after decoding into `any`. */
export type GoJsonValue =
  | null
  | boolean
  | number
  | string
  | ReadonlyArray<GoJsonValue>
  | { readonly [key: string]: GoJsonValue }

/** How strings are escaped: `json.Marshal` escapes `<`, `>`, `&`; an Encoder with SetEscapeHTML(false) does not. */
export interface GoJsonOptions {
  readonly escapeHTML: boolean
}

const hex = "0123456789abcdef"

const escapeChar = (code: number): string =>
  `\\u${hex[(code >> 12) & 0xf]}${hex[(code >> 8) & 0xf]}${hex[(code >> 4) & 0xf]}${hex[code & 0xf]}`

const shortEscapes: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t"
}

/** A Go JSON string literal. Lone surrogates stand for invalid UTF-8, which Go replaces by U+FFFD. */
export const goJsonString = (s: string, options: GoJsonOptions): string => {
  let out = '"'
  for (const char of s) {
    const code = char.codePointAt(0) ?? 0
    const short = shortEscapes[char]
    if (short !== undefined) {
      out += short
    } else if (code < 0x20 || (options.escapeHTML && (char === "<" || char === ">" || char === "&"))) {
      out += escapeChar(code)
    } else if (code === 0x2028 || code === 0x2029) {
      // Go always escapes the JavaScript line terminators, whatever SetEscapeHTML says.
      out += escapeChar(code)
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += "\\ufffd"
    } else {
      out += char
    }
  }
  return `${out}"`
}

/** Go's float64 JSON form; JavaScript's shortest round-trip form switches to exponents at the same bounds. */
export const goJsonNumber = (n: number): string => {
  if (!Number.isFinite(n)) {
    // Go refuses to encode these (UnsupportedValueError); no buildx field can hold one.
    throw new RangeError(`json: unsupported value: ${n}`)
  }
  return Object.is(n, -0) ? "-0" : String(n)
}

/** Encodes like Go's `json.Marshal` of decoded generic data: compact, object keys sorted. */
export const goJson = (value: GoJsonValue, options: GoJsonOptions = { escapeHTML: true }): string => {
  if (value === null) {
    return "null"
  }
  if (typeof value === "boolean") {
    return value ? "true" : "false"
  }
  if (typeof value === "number") {
    return goJsonNumber(value)
  }
  if (typeof value === "string") {
    return goJsonString(value, options)
  }
  if (isArray(value)) {
    return `[${value.map((item) => goJson(item, options)).join(",")}]`
  }
  const keys = Object.keys(value).sort(compareGoStrings)
  return `{${keys.map((key) => `${goJsonString(key, options)}:${goJson(value[key] ?? null, options)}`).join(",")}}`
}

const isArray = (value: GoJsonValue): value is ReadonlyArray<GoJsonValue> => Array.isArray(value)
