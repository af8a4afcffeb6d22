import { compareGoStrings } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import { goJson, goJsonNumber, goJsonString } from "../../src/format/gojson.js"

describe("goJson", () => {
  it("sorts keys at every level and writes no spaces", () => {
    expect(goJson({ b: 1, a: { z: [true, null], y: "s" }, C: false })).toBe(
      '{"C":false,"a":{"y":"s","z":[true,null]},"b":1}'
    )
  })

  it("orders keys by code point like go's byte order", () => {
    expect(goJson({ "\u{1f600}": 1, "\uffff": 2 })).toBe('{"\uffff":2,"\u{1f600}":1}')
    expect(compareGoStrings("\u{1f600}", "\uffff")).toBeGreaterThan(0)
    expect(compareGoStrings("ab", "abc")).toBeLessThan(0)
  })

  it("escapes html characters as json.Marshal does", () => {
    expect(goJson("a<b>&c")).toBe('"a\\u003cb\\u003e\\u0026c"')
    expect(goJson({ "<k>": "v" })).toBe('{"\\u003ck\\u003e":"v"}')
  })

  it("keeps html characters with SetEscapeHTML(false) but still escapes line separators", () => {
    expect(goJsonString("a<b>&c\u2028\u2029", { escapeHTML: false })).toBe('"a<b>&c\\u2028\\u2029"')
  })

  it("uses go's short escapes and lowercase hex for other controls", () => {
    expect(goJson('"\\\b\f\n\r\t')).toBe('"\\"\\\\\\b\\f\\n\\r\\t"')
    expect(goJson("\u0000\u001b\u007f")).toBe('"\\u0000\\u001b\u007f"')
  })

  it("replaces lone surrogates by the replacement character escape", () => {
    expect(goJson("a\ud800b")).toBe('"a\\ufffdb"')
  })
})

describe("goJsonNumber", () => {
  it("prints integers without exponent below 1e21 and with one from there", () => {
    expect(goJsonNumber(26000000000)).toBe("26000000000")
    expect(goJsonNumber(172800000000000)).toBe("172800000000000")
    expect(goJsonNumber(1e21)).toBe("1e+21")
  })

  it("loses precision above 2^53 as float64 does", () => {
    expect(goJsonNumber(2 ** 53 + 1)).toBe("9007199254740992")
  })

  it("switches to an exponent below 1e-6 and keeps negative zero", () => {
    expect(goJsonNumber(0.000001)).toBe("0.000001")
    expect(goJsonNumber(0.0000001)).toBe("1e-7")
    expect(goJsonNumber(-0)).toBe("-0")
  })

  it("refuses non-finite numbers", () => {
    expect(() => goJsonNumber(Number.NaN)).toThrow(RangeError)
  })
})
