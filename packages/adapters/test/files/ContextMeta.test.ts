import { contextId, decodeContextMeta, naturalLess } from "@buildlens/adapters/files"
import { Either } from "effect"
import { describe, expect, it } from "vitest"

const decode = (s: string) => decodeContextMeta(new TextEncoder().encode(s))

describe("contextId", () => {
  it("is the sha-256 of the name (SPEC example 42)", () => {
    expect(contextId("desktop-linux")).toBe("fe9c6bd7a66301f49ca9b6a70b217107cd1284598bfc254700c989b916da791e")
    expect(contextId("mycontext")).toBe("d232625c6b1bfc9a433d25ff530da3cee87a687ed366f59b2a525a469fe5c752")
  })
})

describe("decodeContextMeta", () => {
  it("decodes the meta.json docker writes", () => {
    expect(
      decode(
        '{"Name":"c","Metadata":{"Description":"d"},"Endpoints":{"docker":{"Host":"ssh://u@h","SkipTLSVerify":false}}}'
      )
    ).toEqual(
      Either.right({
        name: "c",
        description: "d",
        docker: { Host: "ssh://u@h", SkipTLSVerify: false },
        kubernetes: undefined
      })
    )
  })

  it("keeps a null docker endpoint as present but untyped and ignores other endpoint objects", () => {
    // docker's parseTypedOrMap stores nil under the key, so EndpointFromContext finds it but cannot type it.
    const meta = decode('{"Name":"c","Endpoints":{"docker":null,"custom":{"x":1}}}')
    expect(Either.map(meta, (m) => m.docker)).toEqual(Either.right(null))
    expect(Either.map(decode('{"Name":"c","Endpoints":{}}'), (m) => m.docker)).toEqual(Either.right(undefined))
  })

  it("lets the last of repeated endpoint keys win, null included", () => {
    const nulled = decode('{"Name":"c","Endpoints":{"docker":{"Host":"tcp://a:1"},"docker":null}}')
    expect(Either.map(nulled, (m) => m.docker)).toEqual(Either.right(null))
    const typed = decode('{"Name":"c","Endpoints":{"docker":null,"docker":{"Host":"tcp://b:1"}}}')
    expect(Either.map(typed, (m) => m.docker)).toEqual(Either.right({ Host: "tcp://b:1", SkipTLSVerify: false }))
  })

  it("treats a null kubernetes endpoint as absent, as buildx's kubernetes EndpointFromContext does", () => {
    const meta = decode('{"Name":"c","Endpoints":{"kubernetes":null}}')
    expect(Either.map(meta, (m) => m.kubernetes)).toEqual(Either.right(undefined))
  })

  it("reports what go's decoder reports for odd shapes", () => {
    expect(decode('{"Name":"c","Metadata":"text"}')).toEqual(
      Either.left("json: cannot unmarshal string into Go value of type map[string]interface {}")
    )
    expect(decode('{"Name":"c","Endpoints":{"custom":[1]}}')).toEqual(
      Either.left("json: cannot unmarshal array into Go value of type map[string]interface {}")
    )
    expect(decode('{"Name":"c","Endpoints":{"kubernetes":{"usernamePassword":"x"}}}')).toEqual(
      Either.left(
        "json: cannot unmarshal string into Go struct field EndpointMeta.usernamePassword of type context.UsernamePassword"
      )
    )
    // docker asserts Description to be a string and would panic; the panic text is reported instead.
    expect(decode('{"Name":"c","Metadata":{"Description":5}}')).toEqual(
      Either.left("interface conversion: interface {} is float64, not string")
    )
  })
})

describe("naturalLess", () => {
  it("orders digit runs by value as docker's sortorder does", () => {
    const names = ["ctx10", "ctx9", "Ctx", "ctx09", "a", "ctx"]
    expect([...names].sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0))).toEqual([
      "Ctx",
      "a",
      "ctx",
      "ctx9",
      "ctx09",
      "ctx10"
    ])
  })

  it("compares non-digit runs by utf-8 bytes, astral characters included", () => {
    // Go indexes the strings by byte: U+FFFF (EF BF BF) sorts before U+1F600 (F0 9F 98 80), 😀 before 😁.
    expect(naturalLess("\uffff", "\u{1f600}")).toBe(true)
    expect(naturalLess("\u{1f600}", "\uffff")).toBe(false)
    expect(naturalLess("\u{1f600}", "\u{1f601}")).toBe(true)
    expect(naturalLess("\u{1f601}", "\u{1f600}")).toBe(false)
    expect(naturalLess("a\u00e9", "a\u00e9")).toBe(false)
  })
})
