import { describe, expect, it } from "@effect/vitest"
import {
  bytesSize,
  formatG,
  goDuration,
  goTimeString,
  goTrimSpace,
  rfc3339,
  rfc3339Nano
} from "../../src/format/units.js"

describe("bytesSize", () => {
  it("prints the documented gc policy sizes (example 32)", () => {
    expect(bytesSize(512000000)).toBe("488.3MiB")
    expect(bytesSize(26000000000)).toBe("24.21GiB")
    expect(bytesSize(20000000000)).toBe("18.63GiB")
  })

  it("chooses the unit before rounding to four digits (example 33)", () => {
    expect(bytesSize(1)).toBe("1B")
    expect(bytesSize(1023)).toBe("1023B")
    expect(bytesSize(1024)).toBe("1KiB")
    expect(bytesSize(1536)).toBe("1.5KiB")
    expect(bytesSize(1000000)).toBe("976.6KiB")
    expect(bytesSize(1048575)).toBe("1024KiB")
    expect(bytesSize(10737418240)).toBe("10GiB")
    expect(bytesSize(5000000000)).toBe("4.657GiB")
    expect(bytesSize(3298534883328)).toBe("3TiB")
  })

  it("rounds an exact tie to even like strconv, not up like toPrecision", () => {
    // 1088 / 1024 is exactly 1.0625.
    expect(bytesSize(1088)).toBe("1.062KiB")
    // 1096 / 1024 is exactly 1.0703125: not a tie at the fourth digit, so it rounds up.
    expect(bytesSize(1096)).toBe("1.07KiB")
  })

  it("stops at YiB and switches to an exponent past four integer digits", () => {
    expect(bytesSize(2 ** 90)).toBe("1024YiB")
    expect(bytesSize(2 ** 100)).toBe("1.049e+06YiB")
  })

  it("keeps zero, fractions and negative sizes in bytes", () => {
    expect(bytesSize(0)).toBe("0B")
    expect(bytesSize(0.5)).toBe("0.5B")
    expect(bytesSize(-5000)).toBe("-5000B")
  })
})

describe("formatG", () => {
  it("formats like go %.4g across the exponent switch", () => {
    expect(formatG(123456, 4)).toBe("1.235e+05")
    expect(formatG(9999.5, 4)).toBe("1e+04")
    expect(formatG(0.0001234, 4)).toBe("0.0001234")
    expect(formatG(0.00001234, 4)).toBe("1.234e-05")
    expect(formatG(100, 4)).toBe("100")
    expect(formatG(Number.POSITIVE_INFINITY, 4)).toBe("+Inf")
  })
})

describe("goDuration", () => {
  it("prints the durations of example 34", () => {
    const hour = 3600e9
    expect(goDuration(48 * hour)).toBe("48h0m0s")
    expect(goDuration(1440 * hour)).toBe("1440h0m0s")
    expect(goDuration(90e9)).toBe("1m30s")
    expect(goDuration(1.5e9)).toBe("1.5s")
    expect(goDuration(500e6)).toBe("500ms")
    expect(goDuration(0)).toBe("0s")
  })

  it("uses smaller units below a second and trims the fraction", () => {
    expect(goDuration(1)).toBe("1ns")
    expect(goDuration(1500)).toBe("1.5µs")
    expect(goDuration(1_234_567)).toBe("1.234567ms")
    expect(goDuration(1_000_000_001)).toBe("1.000000001s")
  })

  it("shows minutes once hours are present and signs negative durations", () => {
    expect(goDuration(3661e9)).toBe("1h1m1s")
    expect(goDuration(60e9)).toBe("1m0s")
    expect(goDuration(-90e9)).toBe("-1m30s")
  })
})

describe("time layouts", () => {
  const at = new Date("2024-05-06T07:08:09.120Z")

  it("prints rfc3339 at second precision", () => {
    expect(rfc3339(at)).toBe("2024-05-06T07:08:09Z")
  })

  it("prints the json time with its fraction trimmed", () => {
    expect(rfc3339Nano(at)).toBe("2024-05-06T07:08:09.12Z")
    expect(rfc3339Nano(new Date("2024-05-06T07:08:09Z"))).toBe("2024-05-06T07:08:09Z")
  })

  it("prints go Time.String for utc", () => {
    expect(goTimeString(new Date("2024-05-06T07:08:09Z"))).toBe("2024-05-06 07:08:09 +0000 UTC")
    expect(goTimeString(at)).toBe("2024-05-06 07:08:09.12 +0000 UTC")
  })

  it("pads years to four digits", () => {
    const early = new Date(Date.UTC(2000, 0, 2, 3, 4, 5))
    early.setUTCFullYear(12)
    expect(rfc3339(early)).toBe("0012-01-02T03:04:05Z")
  })
})

describe("goTrimSpace", () => {
  it("trims unicode white space but not the byte order mark", () => {
    expect(goTrimSpace("\n\u00a0 error \u0085\t")).toBe("error")
    expect(goTrimSpace("\ufeffx\u3000")).toBe("\ufeffx")
  })
})
