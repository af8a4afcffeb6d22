/**
 * containerd/buildx platform semantics (SPEC §5.6, §6 35–38), examples first, then round-trip properties.
 */

import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import type { Platform } from "../src/Platform.js"
import * as Platforms from "../src/Platform.js"

const seed = Number(process.env.FC_SEED ?? 20261204)

const parsed = (specifier: string): Platform => Either.getOrThrow(Platforms.parse(specifier))
const failure = (specifier: string): Platforms.PlatformParseError => {
  const result = Platforms.parse(specifier)
  if (Either.isRight(result)) throw new Error(`expected ${specifier} to fail, got ${JSON.stringify(result.right)}`)
  return result.left
}
const listed = (specifiers: ReadonlyArray<string>): ReadonlyArray<string> =>
  Either.getOrThrow(Platforms.parseList(specifiers)).map(Platforms.format)
const p = (os: string, architecture: string, variant?: string): Platform =>
  variant === undefined ? { os, architecture } : { os, architecture, variant }

describe("format", () => {
  it("joins os, architecture and variant", () => {
    expect(Platforms.format(p("linux", "arm", "v7"))).toBe("linux/arm/v7")
    expect(Platforms.format(p("linux", "amd64"))).toBe("linux/amd64")
  })

  it("drops empty parts", () => {
    expect(Platforms.format(p("linux", "amd64", ""))).toBe("linux/amd64")
    expect(Platforms.format(p("linux", ""))).toBe("linux")
  })

  it("prints unknown for an empty os", () => {
    expect(Platforms.format(p("", "amd64", "v2"))).toBe("unknown")
  })

  it("leaves out the os version and features", () => {
    const windows: Platform = { os: "windows", architecture: "amd64", "os.version": "10.0.17763", "os.features": ["x"] }
    expect(Platforms.format(windows)).toBe("windows/amd64")
  })

  it("cleans the joined path like go path.Join", () => {
    expect(Platforms.format(p("linux", "..", "v1"))).toBe("v1")
    expect(Platforms.format(p("linux", "."))).toBe("linux")
  })
})

describe("normalize", () => {
  const cases: ReadonlyArray<readonly [Platform, string]> = [
    [p("Linux", "AMD64"), "linux/amd64"],
    [p("macos", "arm64"), "darwin/arm64"],
    [p("linux", "i386", "v5"), "linux/386"],
    [p("linux", "x86_64"), "linux/amd64"],
    [p("linux", "x86-64", "v1"), "linux/amd64"],
    [p("linux", "amd64", "v3"), "linux/amd64/v3"],
    [p("linux", "aarch64"), "linux/arm64"],
    [p("linux", "arm64", "8"), "linux/arm64"],
    [p("linux", "arm64", "v8"), "linux/arm64"],
    [p("linux", "arm64", "v8.0"), "linux/arm64"],
    [p("linux", "arm64", "9"), "linux/arm64/v9"],
    [p("linux", "arm64", "9.0"), "linux/arm64/v9"],
    [p("linux", "arm64", "v9.0"), "linux/arm64/v9"],
    [p("linux", "armhf"), "linux/arm/v7"],
    [p("linux", "armel"), "linux/arm/v6"],
    [p("linux", "arm"), "linux/arm/v7"],
    [p("linux", "arm", "7"), "linux/arm/v7"],
    [p("linux", "arm", "5"), "linux/arm/v5"],
    [p("linux", "arm", "6"), "linux/arm/v6"],
    [p("linux", "arm", "8"), "linux/arm/v8"],
    [p("linux", "ARM", "V6"), "linux/arm/v6"],
    [p("linux", "riscv64", "RVA22"), "linux/riscv64/rva22"]
  ]
  for (const [input, expected] of cases) {
    it(`normalizes ${input.os}/${input.architecture}${input.variant ? `/${input.variant}` : ""} to ${expected}`, () => {
      expect(Platforms.format(Platforms.normalize(input))).toBe(expected)
    })
  }

  it("keeps arm v7 (only parse strips it)", () => {
    expect(Platforms.normalize(p("linux", "arm", "v7"))).toEqual(p("linux", "arm", "v7"))
  })

  it("gives an empty os the host os", () => {
    expect(Platforms.normalize(p("", "arm64"))).toEqual(p("linux", "arm64"))
    expect(Platforms.forHost({ os: "darwin", architecture: "arm64" }).normalize(p("", "amd64"))).toEqual(
      p("darwin", "amd64")
    )
  })

  it("sorts and deduplicates os features and keeps the os version", () => {
    const windows: Platform = {
      os: "Windows",
      architecture: "AMD64",
      "os.version": "10.0.17763",
      "os.features": ["win32k", "a", "win32k"]
    }
    expect(Platforms.normalize(windows)).toEqual({
      os: "windows",
      architecture: "amd64",
      "os.version": "10.0.17763",
      "os.features": ["a", "win32k"]
    })
  })

  it("omits an empty variant", () => {
    expect(Platforms.normalize(p("linux", "arm64", "v8"))).toStrictEqual({ os: "linux", architecture: "arm64" })
  })
})

describe("parse", () => {
  it("parses os/arch", () => {
    expect(parsed("linux/amd64")).toStrictEqual(p("linux", "amd64"))
    expect(parsed("Linux/X86_64")).toStrictEqual(p("linux", "amd64"))
  })

  it("drops arm v7 on two parts", () => {
    expect(parsed("linux/arm")).toStrictEqual(p("linux", "arm"))
    expect(parsed("linux/armhf")).toStrictEqual(p("linux", "arm"))
    expect(parsed("linux/armel")).toStrictEqual(p("linux", "arm", "v6"))
  })

  it("keeps arm v7 on three parts", () => {
    expect(parsed("linux/arm/v7")).toStrictEqual(p("linux", "arm", "v7"))
    expect(parsed("linux/arm/7")).toStrictEqual(p("linux", "arm", "v7"))
  })

  it("gives arm64 an explicit v8 on three parts", () => {
    expect(parsed("linux/arm64/v8")).toStrictEqual(p("linux", "arm64", "v8"))
    expect(parsed("linux/aarch64/8")).toStrictEqual(p("linux", "arm64", "v8"))
    expect(parsed("linux/arm64/v9.0")).toStrictEqual(p("linux", "arm64", "v9"))
    expect(parsed("linux/arm64")).toStrictEqual(p("linux", "arm64"))
  })

  it("takes the os version and features from parentheses", () => {
    expect(parsed("windows(10.0.17763)/amd64")).toStrictEqual({
      os: "windows",
      architecture: "amd64",
      "os.version": "10.0.17763"
    })
    expect(parsed("windows(10.0.17763+win32k+b)/amd64")).toStrictEqual({
      os: "windows",
      architecture: "amd64",
      "os.version": "10.0.17763",
      "os.features": ["win32k", "b"]
    })
    expect(parsed("windows(+win32k)/amd64")).toStrictEqual({
      os: "windows",
      architecture: "amd64",
      "os.features": ["win32k"]
    })
  })

  it("decodes percent escapes in the os version", () => {
    expect(parsed("windows(1%2B2%28x%29)/amd64")["os.version"]).toBe("1+2(x)")
  })

  it("completes a bare os with the host architecture", () => {
    expect(parsed("linux")).toStrictEqual(p("linux", "amd64"))
    expect(parsed("Darwin")).toStrictEqual(p("darwin", "amd64"))
    expect(parsed("windows(10.0.17763)")).toStrictEqual({
      os: "windows",
      architecture: "amd64",
      "os.version": "10.0.17763"
    })
  })

  it("takes the host cpu variant for a bare os on arm unless it is v7", () => {
    expect(Either.getOrThrow(Platforms.forHost(p("linux", "arm", "v6")).parse("linux"))).toStrictEqual(
      p("linux", "arm", "v6")
    )
    expect(Either.getOrThrow(Platforms.forHost(p("linux", "arm", "v7")).parse("linux"))).toStrictEqual(
      p("linux", "arm")
    )
    expect(Either.getOrThrow(Platforms.forHost(p("linux", "arm64", "v8")).parse("linux"))).toStrictEqual(
      p("linux", "arm64")
    )
  })

  it("completes a bare architecture with the host os", () => {
    expect(parsed("arm64")).toStrictEqual(p("linux", "arm64"))
    expect(parsed("aarch64")).toStrictEqual(p("linux", "arm64"))
    expect(parsed("arm")).toStrictEqual(p("linux", "arm"))
    expect(parsed("armel")).toStrictEqual(p("linux", "arm", "v6"))
    expect(Either.getOrThrow(Platforms.forHost(p("freebsd", "amd64")).parse("riscv64"))).toStrictEqual(
      p("freebsd", "riscv64")
    )
  })

  it("rejects an unknown single part", () => {
    const error = failure("x")
    expect(error.reason).toBe("UnknownOsOrArch")
    expect(error.message).toBe(`"x": unknown operating system or architecture: invalid argument`)
    expect(failure("amd64(1)").message).toBe(`"amd64(1)": unknown operating system or architecture: invalid argument`)
  })

  it("accepts any os and architecture on two parts", () => {
    expect(parsed("plan10/zz80")).toStrictEqual(p("plan10", "zz80"))
  })

  it("rejects wildcards", () => {
    expect(failure("linux/arm64*").message).toBe(`"linux/arm64*": wildcards not yet supported: invalid argument`)
  })

  it("rejects a bad os component with containerd's pattern in the message", () => {
    expect(failure("lin ux/amd64").message).toBe(
      String.raw`"lin ux" is an invalid OS component of "lin ux/amd64": OSAndVersion specifier component must match "^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.%-]*)((?:\\+[A-Za-z0-9_.%-]+)*)\\))?$": invalid argument`
    )
    expect(failure("").reason).toBe("InvalidOsComponent")
    expect(failure(" linux/amd64").component).toBe(" linux")
    expect(failure("li\tnux").message.startsWith(String.raw`"li\tnux" is an invalid OS component of "li\tnux": `)).toBe(
      true
    )
  })

  it("rejects a bad later component", () => {
    expect(failure("linux/am d64").message).toBe(
      `"am d64" is an invalid component of "linux/am d64": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument`
    )
    expect(failure("linux//v7").component).toBe("")
  })

  it("checks every component before counting them", () => {
    expect(failure("linux/amd64/v2/x").message).toBe(
      `"linux/amd64/v2/x": cannot parse platform specifier: invalid argument`
    )
    expect(failure("linux/amd64/v2/x/y").component).toBe("x/y")
  })

  it("rejects a malformed percent escape", () => {
    expect(failure("windows(1%zz)/amd64").message).toBe(
      `"windows(1%zz)/amd64" has an invalid OS version "1%zz": invalid URL escape "%zz"`
    )
    expect(failure("windows(1%4)/amd64").message).toBe(
      `"windows(1%4)/amd64" has an invalid OS version "1%4": invalid URL escape "%4"`
    )
    expect(failure("windows(1+a%g1b)/amd64").message).toBe(
      `"windows(1+a%g1b)/amd64" has invalid OS features: invalid os feature "a%g1b": invalid URL escape "%g1"`
    )
  })

  it("is a schema tagged error", () => {
    const error = failure("x")
    expect(error).toBeInstanceOf(Platforms.PlatformParseError)
    expect(error._tag).toBe("PlatformParseError")
    expect(error.specifier).toBe("x")
  })
})

describe("parseList", () => {
  it("splits on commas, parses and normalizes without deduping (§6 37)", () => {
    expect(listed(["linux/amd64,linux/arm64", "Linux/X86_64", "linux/arm64/v8", "linux/armhf"])).toEqual([
      "linux/amd64",
      "linux/arm64",
      "linux/amd64",
      "linux/arm64",
      "linux/arm/v7"
    ])
  })

  it("normalizes linux/arm to linux/arm/v7 (§6 35)", () => {
    expect(listed(["linux/amd64", "linux/arm"])).toEqual(["linux/amd64", "linux/arm/v7"])
  })

  it("reads local in any case as the host platform", () => {
    expect(listed(["local", "LOCAL,linux/s390x"])).toEqual(["linux/amd64", "linux/amd64", "linux/s390x"])
    const arm = Platforms.forHost(p("linux", "arm64", "v8"))
    expect(Either.getOrThrow(arm.parseList(["Local"]))).toStrictEqual([p("linux", "arm64")])
  })

  it("returns nothing for no specifiers", () => {
    expect(listed([])).toEqual([])
  })

  it("fails on the first bad item, spaces included", () => {
    const result = Platforms.parseList(["linux/amd64", "linux/amd64, linux/arm64", "x"])
    expect(Either.isLeft(result) && result.left.specifier).toBe(" linux/arm64")
    const empty = Platforms.parseList(["linux/amd64,"])
    expect(Either.isLeft(empty) && empty.left.reason).toBe("InvalidOsComponent")
  })
})

describe("dedupe", () => {
  it("keeps the first of each normalized platform (§6 37)", () => {
    const input = Either.getOrThrow(
      Platforms.parseList(["linux/amd64,linux/arm64", "Linux/X86_64", "linux/arm64/v8", "linux/armhf"])
    )
    expect(Platforms.dedupe(input).map(Platforms.format)).toEqual(["linux/amd64", "linux/arm64", "linux/arm/v7"])
  })

  it("returns normalized platforms", () => {
    expect(Platforms.dedupe([p("Linux", "aarch64", "8"), p("linux", "arm")])).toStrictEqual([
      p("linux", "arm64"),
      p("linux", "arm", "v7")
    ])
  })

  it("merges windows platforms that differ only in os version (§6 38)", () => {
    const older = parsed("windows(10.0.17763)/amd64")
    const newer = parsed("windows(10.0.20348)/amd64")
    expect(Platforms.format(older)).toBe("windows/amd64")
    expect(Platforms.dedupe([older, newer])).toStrictEqual([
      { os: "windows", architecture: "amd64", "os.version": "10.0.17763" }
    ])
  })
})

describe("formatInGroups", () => {
  it("stars stored platforms and appends the detected ones once (§6 36)", () => {
    const stored = [p("linux", "amd64")]
    const detected = [p("linux", "amd64"), p("linux", "arm64"), p("linux", "arm")]
    expect(Platforms.formatInGroups(stored, detected)).toEqual(["linux/amd64*", "linux/arm64", "linux/arm/v7"])
  })

  it("drops duplicates inside the starred group", () => {
    expect(Platforms.formatInGroups([p("linux", "arm"), p("linux", "arm", "v7")], [])).toEqual(["linux/arm/v7*"])
  })

  it("formats detected platforms alone without stars", () => {
    expect(Platforms.formatInGroups([], [p("linux", "x86_64"), p("linux", "386")])).toEqual([
      "linux/amd64",
      "linux/386"
    ])
  })
})

// Tokens start with a letter so no component is `.` or `..`, which Format's path cleaning folds away.
const token = fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/)
const osName = fc.oneof(fc.constantFrom("linux", "windows", "darwin", "macos", "Linux", "freebsd"), token)
const archName = fc.oneof(
  fc.constantFrom("amd64", "x86_64", "386", "i386", "arm", "armhf", "armel", "arm64", "aarch64", "riscv64", "s390x"),
  token
)
const variantName = fc.oneof(
  fc.constantFrom("", "v1", "v2", "v5", "6", "7", "v7", "8", "v8", "v8.0", "9", "v9.0", "V3"),
  token
)
const normalizedPlatform = fc
  .record({ os: osName, architecture: archName, variant: variantName })
  .map((raw) => Platforms.normalize(raw))
const anyPlatform = fc.record({ os: osName, architecture: archName, variant: variantName })

describe("properties", () => {
  it("round-trips formatted normalized platforms through parse", () => {
    fc.assert(
      fc.property(normalizedPlatform, (platform) => {
        const text = Platforms.format(platform)
        const again = Either.getOrThrow(Platforms.parse(text))
        expect(Platforms.format(again)).toBe(text)
        expect(Platforms.normalize(again)).toStrictEqual(platform)
      }),
      { seed }
    )
  })

  it("normalizes idempotently", () => {
    fc.assert(
      fc.property(anyPlatform, (platform) => {
        const once = Platforms.normalize(platform)
        expect(Platforms.normalize(once)).toStrictEqual(once)
      }),
      { seed }
    )
  })

  it("dedupes idempotently and keeps first occurrences", () => {
    fc.assert(
      fc.property(fc.array(anyPlatform, { maxLength: 12 }), (platforms) => {
        const once = Platforms.dedupe(platforms)
        expect(Platforms.dedupe(once)).toStrictEqual(once)
        const keys = platforms.map((platform) => Platforms.format(Platforms.normalize(platform)))
        const firsts = platforms.filter((_, index) => keys.indexOf(keys[index] ?? "") === index)
        expect(once).toStrictEqual(firsts.map((platform) => Platforms.normalize(platform)))
      }),
      { seed }
    )
  })

  it("formats groups without repeats, starring exactly group 0", () => {
    fc.assert(
      fc.property(fc.array(anyPlatform, { maxLength: 6 }), fc.array(anyPlatform, { maxLength: 6 }), (g0, g1) => {
        const out = Platforms.formatInGroups(g0, g1)
        const bare = out.map((entry) => entry.replace(/\*$/, ""))
        expect(new Set(bare).size).toBe(bare.length)
        const starred = new Set(Platforms.dedupe(g0).map(Platforms.format))
        expect(out.filter((entry) => entry.endsWith("*")).map((entry) => entry.slice(0, -1))).toEqual([...starred])
      }),
      { seed }
    )
  })
})
