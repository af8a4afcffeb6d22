import { describe, expect, it } from "vitest"
import { decodeBase64Std, decodeGo, type GoType, parseDecoder, parseUnmarshal, quoteChar, unmarshalGo } from "../../src/files/GoJson.js"

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

const inner: GoType = { kind: "struct", name: "pkg.Inner", fields: [{ key: "value", type: { kind: "string" } }] }
const outer: GoType = {
  kind: "struct",
  name: "pkg.Outer",
  fields: [
    { key: "Name", type: { kind: "string" } },
    { key: "Items", type: { kind: "slice", name: "[]pkg.Inner", elem: inner } },
    { key: "Opts", type: { kind: "map", name: "map[string]string", elem: { kind: "string" } } },
    { key: "Host", type: { kind: "string" }, embeddedIn: ["Base"] }
  ]
}

describe("go typed decoding", () => {
  it("matches keys exactly first, then case-insensitively, last one winning", () => {
    const r = unmarshalGo<{ Name: string }>(outer, bytes('{"NAME":"a","name":"b","other":1}'))
    expect(r).toEqual({ value: { Name: "b", Items: null, Opts: null, Host: "" }, error: undefined })
    const kelvin = unmarshalGo<{ Name: string }>(
      { kind: "struct", name: "p.K", fields: [{ key: "Kind", type: { kind: "string" } }] },
      bytes('{"\u212aind":"x"}')
    )
    expect(kelvin.value).toEqual({ Kind: "x" })
  })

  it("merges repeated maps and keeps null as go's no-op for strings", () => {
    const r = unmarshalGo<Record<string, unknown>>(outer, bytes('{"Opts":{"a":"1"},"opts":{"b":"2"},"Name":null}'))
    expect(r.value.Opts).toEqual({ a: "1", b: "2" })
    expect(r.value.Name).toBe("")
  })

  it("reports the first type error with go's struct field path", () => {
    expect(unmarshalGo(outer, bytes('{"Name":1}')).error).toBe(
      "json: cannot unmarshal number into Go struct field Outer.Name of type string"
    )
    expect(unmarshalGo(outer, bytes('{"Items":[{"value":true}],"Name":1}')).error).toBe(
      "json: cannot unmarshal bool into Go struct field Inner.Items.value of type string"
    )
    expect(unmarshalGo(outer, bytes('{"Items":"x"}')).error).toBe(
      "json: cannot unmarshal string into Go struct field Outer.Items of type []pkg.Inner"
    )
    expect(unmarshalGo(outer, bytes('{"Host":[]}')).error).toBe(
      "json: cannot unmarshal array into Go struct field Outer.Base.Host of type string"
    )
    expect(unmarshalGo(outer, bytes("[]")).error).toBe("json: cannot unmarshal array into Go value of type pkg.Outer")
  })

  it("keeps the partial value next to a type error", () => {
    const r = decodeGo<{ Name: string }>(outer, { kind: "object", members: [["Name", { kind: "string", value: "n" }], ["Opts", { kind: "number", text: "1" }]] })
    expect(r.value.Name).toBe("n")
    expect(r.error).toBe("json: cannot unmarshal number into Go struct field Outer.Opts of type map[string]string")
  })
})

describe("go base64", () => {
  it("decodes padded standard base64 ignoring newlines", () => {
    expect(decodeBase64Std("aGVs\nbG8=")).toEqual(new TextEncoder().encode("hello"))
    expect(decodeBase64Std("")).toEqual(new Uint8Array())
  })

  it("names the corrupt byte offset like go", () => {
    expect(decodeBase64Std("aGVsbG8")).toBe("illegal base64 data at input byte 4")
    expect(decodeBase64Std("a!==")).toBe("illegal base64 data at input byte 1")
    expect(decodeBase64Std("aGVsbG8=x")).toBe("illegal base64 data at input byte 8")
    expect(decodeBase64Std("a===")).toBe("illegal base64 data at input byte 1")
  })
})
