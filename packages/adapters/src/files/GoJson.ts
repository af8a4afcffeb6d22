/**
 * Go's encoding/json scanner as docker and buildx meet it on their files: the syntax error texts
 * byte for byte, `json.Unmarshal` (the whole input is one value) versus `json.Decoder.Decode` (first
 * value only, `unexpected EOF`), and Go's unquoting of strings. Typed decoding is in GoDecode.ts.
 */

/** A parsed JSON value that keeps member order and repeated keys, as Go's decoder walks them. */
export type JsonNode =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly text: string }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "null" }
  | { readonly kind: "array"; readonly items: ReadonlyArray<JsonNode> }
  | { readonly kind: "object"; readonly members: ReadonlyArray<readonly [string, JsonNode]> }

/** The outcome of parsing: a value, a Go syntax error text, or (Decoder only) an empty input. */
type ParseResult =
  | { readonly _tag: "Value"; readonly node: JsonNode }
  | { readonly _tag: "SyntaxError"; readonly message: string }
  | { readonly _tag: "Empty" }

class SyntaxFailure {
  constructor(readonly message: string) {}
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)

// strconv.IsPrint for U+0080..U+00FF: the C1 controls, NBSP and the soft hyphen are not printable.
const isPrintableLatin1 = (c: number): boolean => c >= 0xa1 && c !== 0xad

/** Go's `quoteChar`: the offending byte as Go's scanner names it (`'x'`, `'\''`, `'\x01'`, `'Ã'`). */
export const quoteChar = (c: number): string => {
  if (c === 0x27) return "'\\''"
  if (c === 0x22) return "'\"'"
  if (c < 0x80) {
    const named: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" }
    if (named[c] !== undefined) return `'${named[c]}'`
    if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, "0")}'`
    if (c === 0x5c) return "'\\\\'"
    return `'${String.fromCharCode(c)}'`
  }
  // The scanner works on bytes; Go converts the byte to the rune of the same number.
  return isPrintableLatin1(c) ? `'${String.fromCharCode(c)}'` : `'\\u00${c.toString(16).padStart(2, "0")}'`
}

/** Decodes UTF-8 the way Go's utf8.DecodeRune does: each invalid byte becomes one U+FFFD. */
export const decodeUtf8 = (bytes: Uint8Array, start = 0, end = bytes.length): string => {
  let out = ""
  let i = start
  while (i < end) {
    const b0 = bytes[i] as number
    if (b0 < 0x80) {
      out += String.fromCharCode(b0)
      i++
      continue
    }
    const cont = (k: number, lo = 0x80, hi = 0xbf): number | undefined => {
      const b = i + k < end ? bytes[i + k] : undefined
      return b !== undefined && b >= lo && b <= hi ? b : undefined
    }
    let cp: number | undefined
    let width = 1
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      const b1 = cont(1)
      if (b1 !== undefined) [cp, width] = [((b0 & 0x1f) << 6) | (b1 & 0x3f), 2]
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      const b1 = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf)
      const b2 = b1 === undefined ? undefined : cont(2)
      if (b1 !== undefined && b2 !== undefined) {
        ;[cp, width] = [((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f), 3]
      }
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      const b1 = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf)
      const b2 = b1 === undefined ? undefined : cont(2)
      const b3 = b2 === undefined ? undefined : cont(3)
      if (b1 !== undefined && b2 !== undefined && b3 !== undefined) {
        cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f)
        width = 4
      }
    }
    out += cp === undefined ? "\ufffd" : String.fromCodePoint(cp)
    i += width
  }
  return out
}

class Parser {
  pos = 0
  constructor(
    readonly bytes: Uint8Array,
    readonly eofMessage: string,
    readonly spaceAtEof: boolean
  ) {}

  fail(c: number, what: string): never {
    throw new SyntaxFailure(`invalid character ${quoteChar(c)} ${what}`)
  }

  /**
   * The next byte. At the end of input Go's `Unmarshal` feeds its scanner one space, so where a space
   * is itself invalid (`spaceError` given) the error names that space instead of the end of input.
   */
  next(spaceError?: string): number {
    if (this.pos >= this.bytes.length) {
      if (spaceError !== undefined && this.spaceAtEof) this.fail(0x20, spaceError)
      throw new SyntaxFailure(this.eofMessage)
    }
    return this.bytes[this.pos++] as number
  }

  skipSpace(): void {
    while (this.pos < this.bytes.length && isSpace(this.bytes[this.pos] as number)) this.pos++
  }

  value(): JsonNode {
    this.skipSpace()
    const c = this.next()
    switch (c) {
      case 0x7b:
        return this.object()
      case 0x5b:
        return this.array()
      case 0x22:
        return { kind: "string", value: this.string() }
      case 0x74:
        return this.literal("true", { kind: "bool", value: true })
      case 0x66:
        return this.literal("false", { kind: "bool", value: false })
      case 0x6e:
        return this.literal("null", { kind: "null" })
      default:
        if (c === 0x2d || isDigit(c)) return this.number(c)
        return this.fail(c, "looking for beginning of value")
    }
  }

  object(): JsonNode {
    const members: Array<readonly [string, JsonNode]> = []
    this.skipSpace()
    let c = this.next()
    if (c === 0x7d) return { kind: "object", members }
    for (;;) {
      if (c !== 0x22) this.fail(c, "looking for beginning of object key string")
      const key = this.string()
      this.skipSpace()
      c = this.next()
      if (c !== 0x3a) this.fail(c, "after object key")
      members.push([key, this.value()])
      this.skipSpace()
      c = this.next()
      if (c === 0x7d) return { kind: "object", members }
      if (c !== 0x2c) this.fail(c, "after object key:value pair")
      this.skipSpace()
      c = this.next()
    }
  }

  array(): JsonNode {
    const items: Array<JsonNode> = []
    this.skipSpace()
    if (this.pos >= this.bytes.length) throw new SyntaxFailure(this.eofMessage)
    if (this.bytes[this.pos] === 0x5d) {
      this.pos++
      return { kind: "array", items }
    }
    for (;;) {
      items.push(this.value())
      this.skipSpace()
      const c = this.next()
      if (c === 0x5d) return { kind: "array", items }
      if (c !== 0x2c) this.fail(c, "after array element")
    }
  }

  literal(word: string, node: JsonNode): JsonNode {
    for (let i = 1; i < word.length; i++) {
      const what = `in literal ${word} (expecting '${word[i]}')`
      const c = this.next(what)
      if (c !== word.charCodeAt(i)) this.fail(c, what)
    }
    return node
  }

  number(first: number): JsonNode {
    const start = this.pos - 1
    const peek = (): number | undefined => this.bytes[this.pos]
    let c: number | undefined = first
    if (c === 0x2d) {
      c = this.next("in numeric literal")
      if (!isDigit(c)) this.fail(c, "in numeric literal")
    }
    if (c !== 0x30) while (isDigit(peek())) this.pos++
    if (peek() === 0x2e) {
      this.pos++
      c = this.next("after decimal point in numeric literal")
      if (!isDigit(c)) this.fail(c, "after decimal point in numeric literal")
      while (isDigit(peek())) this.pos++
    }
    if (peek() === 0x65 || peek() === 0x45) {
      this.pos++
      c = this.next("in exponent of numeric literal")
      if (c === 0x2b || c === 0x2d) c = this.next("in exponent of numeric literal")
      if (!isDigit(c)) this.fail(c, "in exponent of numeric literal")
      while (isDigit(peek())) this.pos++
    }
    return { kind: "number", text: decodeUtf8(this.bytes, start, this.pos) }
  }

  /** The body of a string after its opening quote, unquoted as Go's `unquote` does. */
  string(): string {
    let out = ""
    let runStart = this.pos
    const flush = (end: number) => {
      out += decodeUtf8(this.bytes, runStart, end)
    }
    for (;;) {
      const c = this.next()
      if (c === 0x22) {
        flush(this.pos - 1)
        return out
      }
      if (c < 0x20) this.fail(c, "in string literal")
      if (c !== 0x5c) continue
      flush(this.pos - 1)
      const e = this.next("in string escape code")
      const simple: Record<number, string> = {
        34: '"',
        92: "\\",
        47: "/",
        98: "\b",
        102: "\f",
        110: "\n",
        114: "\r",
        116: "\t"
      }
      if (simple[e] !== undefined) {
        out += simple[e]
      } else if (e === 0x75) {
        let code = 0
        for (let i = 0; i < 4; i++) {
          const h = this.next("in \\u hexadecimal character escape")
          if (!isHex(h)) this.fail(h, "in \\u hexadecimal character escape")
          code = code * 16 + Number.parseInt(String.fromCharCode(h), 16)
        }
        out += String.fromCharCode(code)
      } else {
        this.fail(e, "in string escape code")
      }
      runStart = this.pos
    }
  }
}

// Go replaces a lone UTF-16 surrogate from a `\u` escape with U+FFFD; JS would keep it.
const fixSurrogates = (s: string): string =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")

const finish = (node: JsonNode): JsonNode => {
  switch (node.kind) {
    case "string":
      return { kind: "string", value: fixSurrogates(node.value) }
    case "array":
      return { kind: "array", items: node.items.map(finish) }
    case "object":
      return { kind: "object", members: node.members.map(([k, v]) => [fixSurrogates(k), finish(v)] as const) }
    default:
      return node
  }
}

/** `json.Unmarshal`'s syntax check and parse: the input must be exactly one value. */
export const parseUnmarshal = (bytes: Uint8Array): ParseResult => {
  const parser = new Parser(bytes, "unexpected end of JSON input", true)
  try {
    const node = parser.value()
    parser.skipSpace()
    if (parser.pos < bytes.length) parser.fail(bytes[parser.pos] as number, "after top-level value")
    return { _tag: "Value", node: finish(node) }
  } catch (e) {
    if (e instanceof SyntaxFailure) return { _tag: "SyntaxError", message: e.message }
    throw e
  }
}

/** `json.NewDecoder(r).Decode`: the first value only, trailing bytes unread; empty input is io.EOF. */
export const parseDecoder = (bytes: Uint8Array): ParseResult => {
  const parser = new Parser(bytes, "unexpected EOF", false)
  parser.skipSpace()
  if (parser.pos >= bytes.length) return { _tag: "Empty" }
  try {
    return { _tag: "Value", node: finish(parser.value()) }
  } catch (e) {
    if (e instanceof SyntaxFailure) return { _tag: "SyntaxError", message: e.message }
    throw e
  }
}
