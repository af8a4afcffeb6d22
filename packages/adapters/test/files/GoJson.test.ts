import { describe, expect, it } from "vitest"
import { parseDecoder, parseUnmarshal, quoteChar } from "../../src/files/GoJson.js"

const bytes = (s: string) => new TextEncoder().encode(s)
const syntax = (s: string) => {
  const r = parseUnmarshal(bytes(s))
  return r._tag === "SyntaxError" ? r.message : r._tag
}

describe("go json syntax errors", () => {
  it("names the offending character and state like go's scanner", () => {
    expect(syntax("")).toBe("unexpected end of JSON input")
    expect(syntax("{")).toBe("unexpected end of JSON input")
    expect(syntax("x")).toBe("invalid character 'x' looking for beginning of value")
    expect(syntax('{"a" 1}')).toBe("invalid character '1' after object key")
    expect(syntax('{"a":1 "b":2}')).toBe("invalid character '\"' after object key:value pair")
    expect(syntax("{,}")).toBe("invalid character ',' looking for beginning of object key string")
    expect(syntax('{"a":1,}')).toBe("invalid character '}' looking for beginning of object key string")
    expect(syntax("[1 2]")).toBe("invalid character '2' after array element")
    expect(syntax("[1,]")).toBe("invalid character ']' looking for beginning of value")
    expect(syntax("{} x")).toBe("invalid character 'x' after top-level value")
    expect(syntax("01")).toBe("invalid character '1' after top-level value")
    expect(syntax("-x")).toBe("invalid character 'x' in numeric literal")
    expect(syntax("1.x")).toBe("invalid character 'x' after decimal point in numeric literal")
    expect(syntax("1e+x")).toBe("invalid character 'x' in exponent of numeric literal")
    expect(syntax("tru ")).toBe("invalid character ' ' in literal true (expecting 'e')")
    expect(syntax("nUll")).toBe("invalid character 'U' in literal null (expecting 'u')")
    expect(syntax('"a\\x"')).toBe("invalid character 'x' in string escape code")
    expect(syntax('"\\u12g4"')).toBe("invalid character 'g' in \\u hexadecimal character escape")
    expect(syntax('"a\tb"')).toBe("invalid character '\\t' in string literal")
  })

  it("names the space go feeds its scanner at the end of input", () => {
    expect(syntax("-")).toBe("invalid character ' ' in numeric literal")
    expect(syntax("[1.")).toBe("invalid character ' ' after decimal point in numeric literal")
    expect(syntax('{"a":tr')).toBe("invalid character ' ' in literal true (expecting 'u')")
    expect(syntax('"\\u00')).toBe("invalid character ' ' in \\u hexadecimal character escape")
    expect(syntax('"abc')).toBe("unexpected end of JSON input")
  })

  it("quotes bytes as go's quoteChar does", () => {
    expect(quoteChar(0x27)).toBe("'\\''")
    expect(quoteChar(0x01)).toBe("'\\x01'")
    expect(quoteChar(0xef)).toBe("'ï'")
    expect(quoteChar(0x85)).toBe("'\\u0085'")
    // A UTF-8 byte order mark is not skipped by go.
    expect(syntax("\ufeff{}")).toBe("invalid character 'ï' looking for beginning of value")
  })

  it("reads only the first value in decoder mode", () => {
    expect(parseDecoder(bytes("  \n"))._tag).toBe("Empty")
    expect(parseDecoder(bytes("{} trailing"))._tag).toBe("Value")
    const cut = parseDecoder(bytes('{"a":'))
    expect(cut._tag === "SyntaxError" && cut.message).toBe("unexpected EOF")
  })

  it("unquotes escapes and replaces lone surrogates and bad utf-8", () => {
    const r = parseUnmarshal(new Uint8Array([...bytes('"\\u0026\\ud83d\\ude00\\ud800x'), 0xff, 0x22]))
    expect(r._tag === "Value" && r.node.kind === "string" && r.node.value).toBe("&\u{1f600}\ufffdx\ufffd")
  })
})
