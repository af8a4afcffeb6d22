/**
 * Go's `%q` verb for strings (`strconv.Quote`), which buildx uses for builder names in messages and
 * for driver option values in `inspect`. Printable runes stay as they are; everything else is escaped.
 */

// strconv.IsPrint is unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u

const shortEscapes: Readonly<Record<number, string>> = {
  7: "\\a",
  8: "\\b",
  12: "\\f",
  10: "\\n",
  13: "\\r",
  9: "\\t",
  11: "\\v"
}

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, "0")

const isPrint = (rune: number, char: string): boolean =>
  rune < 0x80 ? rune >= 0x20 && rune < 0x7f : printable.test(char)

const escapeRune = (rune: number, char: string): string => {
  if (rune === 0x22 || rune === 0x5c) {
    return `\\${char}`
  }
  if (isPrint(rune, char)) {
    return char
  }
  const short = shortEscapes[rune]
  if (short !== undefined) {
    return short
  }
  if (rune < 0x20 || rune === 0x7f) {
    return `\\x${hex(rune, 2)}`
  }
  if (rune >= 0xd800 && rune <= 0xdfff) {
    // A lone surrogate encodes (as WTF-8) to three bytes that Go finds invalid and escapes one by one.
    return [0xe0 | (rune >> 12), 0x80 | ((rune >> 6) & 0x3f), 0x80 | (rune & 0x3f)]
      .map((b) => `\\x${hex(b, 2)}`)
      .join("")
  }
  return rune < 0x10000 ? `\\u${hex(rune, 4)}` : `\\U${hex(rune, 8)}`
}

/** Go's `strconv.Quote` (the `%q` verb for a string): double-quoted, with Go escape sequences. */
export const goQuote = (s: string): string => {
  let out = '"'
  for (const char of s) {
    out += escapeRune(char.codePointAt(0) ?? 0, char)
  }
  return `${out}"`
}

/** Go's string order (`strings.Compare`, `sort.Strings`): UTF-8 bytes, i.e. code points, not UTF-16 units. */
export const compareGoStrings = (a: string, b: string): number => {
  const ca = [...a]
  const cb = [...b]
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]?.codePointAt(0) ?? 0
    const y = cb[i]?.codePointAt(0) ?? 0
    if (x !== y) {
      return x - y
    }
  }
  return ca.length - cb.length
}
