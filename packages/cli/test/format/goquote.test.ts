import { BuilderNotFound, goQuote } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"

describe("goQuote", () => {
  it("escapes quotes and backslashes", () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"')
  })

  it("uses the short escapes for bell, backspace, form feed, newline, return, tab and vertical tab", () => {
    expect(goQuote("\u0007\b\f\n\r\t\v")).toBe('"\\a\\b\\f\\n\\r\\t\\v"')
  })

  it("writes other ascii controls and delete as \\x", () => {
    expect(goQuote("\u0000\u001b\u007f")).toBe('"\\x00\\x1b\\x7f"')
  })

  it("keeps printable unicode and the ascii space", () => {
    expect(goQuote("é 漢 🐳 ü")).toBe('"é 漢 🐳 ü"')
  })

  it("writes non-printable runes as \\u or \\U", () => {
    expect(goQuote("\u0085\u00a0\u200b")).toBe('"\\u0085\\u00a0\\u200b"')
    expect(goQuote("\u{e0001}\u{10ffff}")).toBe('"\\U000e0001\\U0010ffff"')
  })

  it("writes a lone surrogate as the three invalid bytes go would see", () => {
    expect(goQuote("\ud800")).toBe('"\\xed\\xa0\\x80"')
  })

  it("is what builder-not-found messages quote names with", () => {
    expect(BuilderNotFound.make({ name: "my\tbuilder" }).message).toBe('no builder "my\\tbuilder" found')
  })
})
