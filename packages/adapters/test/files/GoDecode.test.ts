import { describe, expect, it } from "vitest"
import { decodeBase64Std, decodeGo, type GoType, unmarshalGo } from "../../src/files/GoDecode.js"

const bytes = (s: string) => new TextEncoder().encode(s)

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
    const r = decodeGo<{ Name: string }>(outer, {
      kind: "object",
      members: [
        ["Name", { kind: "string", value: "n" }],
        ["Opts", { kind: "number", text: "1" }]
      ]
    })
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
