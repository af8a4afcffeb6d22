import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { parseGoDuration, parseInvocation } from "../src/args.js"

const parse = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => parseInvocation(argv, env)
const failure = (argv: ReadonlyArray<string>) => {
  const result = parse(argv)
  return Either.isLeft(result) ? result.left.message : "parsed"
}

describe("parseGoDuration", () => {
  it("reads go durations in milliseconds", () => {
    expect(
      ["20s", "1m30s", "1.5h", "500ms", "0", "-1s", "1h2m3.5s", "250us"].map((d) =>
        Either.getOrThrow(parseGoDuration(d))
      )
    ).toEqual([20_000, 90_000, 5_400_000, 500, 0, -1000, 3_723_500, 0.25])
  })

  it("words bad durations as go does", () => {
    expect(Either.flip(parseGoDuration("1")).pipe(Either.getOrThrow).message).toBe('time: missing unit in duration "1"')
    expect(Either.flip(parseGoDuration("soon")).pipe(Either.getOrThrow).message).toBe('time: invalid duration "soon"')
    expect(Either.flip(parseGoDuration("10x")).pipe(Either.getOrThrow).message).toBe(
      'time: unknown unit "x" in duration "10x"'
    )
    expect(Either.flip(parseGoDuration("1e3s")).pipe(Either.getOrThrow).message).toBe(
      'time: unknown unit "e" in duration "1e3s"'
    )
  })
})

describe("parseInvocation", () => {
  it("accepts global flags before and after the command, like cobra's persistent flags", () => {
    const before = Either.getOrThrow(parse(["--builder", "b", "inspect"]))
    const after = Either.getOrThrow(parse(["inspect", "--builder", "b"]))
    expect(before).toEqual(after)
    expect(before.command).toEqual({ _tag: "Inspect", name: "b", format: undefined, timeoutMs: 20_000 })
  })

  it("takes the builder from BUILDX_BUILDER and treats an empty name as none", () => {
    expect(Either.getOrThrow(parse(["inspect"], { BUILDX_BUILDER: "env" })).command).toMatchObject({ name: "env" })
    expect(Either.getOrThrow(parse(["--builder", "", "inspect"])).command).toMatchObject({ name: undefined })
    expect(Either.getOrThrow(parse(["inspect", "arg"], { BUILDX_BUILDER: "env" })).command).toMatchObject({
      name: "arg"
    })
  })

  it("reads ls options with buildx's defaults", () => {
    expect(Either.getOrThrow(parse(["ls"])).command).toEqual({
      _tag: "Ls",
      format: "table",
      noTrunc: false,
      timeoutMs: 20_000
    })
    expect(Either.getOrThrow(parse(["ls", "--format=json", "--no-trunc", "--timeout", "1m"])).command).toEqual({
      _tag: "Ls",
      format: "json",
      noTrunc: true,
      timeoutMs: 60_000
    })
  })

  it("refuses what cobra refuses, in cobra's words", () => {
    expect(failure(["ls", "--frobnicate"])).toBe("unknown flag: --frobnicate")
    expect(failure(["ls", "-x"])).toBe("unknown shorthand flag: 'x' in -x")
    expect(failure(["-H", "unix:///x", "--context", "c", "ls"])).toBe(
      "conflicting options: cannot specify both --host and --context"
    )
    expect(failure(["ls", "--timeout", "5"])).toBe(
      'invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"'
    )
    expect(failure(["ls", "extra"])).toBe('"buildlens ls" accepts no arguments')
    expect(failure(["frob"])).toBe('unknown command "frob" for "buildlens"')
    expect(failure(["inspect", "--bootstrap"])).toBe("--bootstrap is not supported: buildlens only reads builders")
  })

  it("answers --version and --help without a command", () => {
    expect(Either.getOrThrow(parse(["--version"])).command).toEqual({ _tag: "Version" })
    expect(Either.getOrThrow(parse([])).command._tag).toBe("Help")
  })
})

describe("pflag spellings", () => {
  it("reads --bool=value with Go's ParseBool and -c=value as the value", () => {
    expect(Either.getOrThrow(parse(["ls", "--no-trunc=false"])).command).toMatchObject({ noTrunc: false })
    expect(Either.getOrThrow(parse(["ls", "--no-trunc=T"])).command).toMatchObject({ noTrunc: true })
    expect(Either.getOrThrow(parse(["ls", "--no-trunc", "--no-trunc=0"])).command).toMatchObject({ noTrunc: false })
    expect(Either.getOrThrow(parse(["-c=priv", "inspect"])).global.context).toBe("priv")
    expect(Either.getOrThrow(parse(["-D=true", "ls"])).global.debug).toBe(true)
    expect(failure(["ls", "--no-trunc=maybe"])).toBe(
      'invalid argument "maybe" for "--no-trunc" flag: strconv.ParseBool: parsing "maybe": invalid syntax'
    )
  })

  it("words a flag without its value as cobra does", () => {
    expect(failure(["ls", "--format"])).toBe("flag needs an argument: --format")
    expect(failure(["ls", "-c"])).toBe("flag needs an argument: 'c' in -c")
  })

  it("prints a command's own help", () => {
    const help = Either.getOrThrow(parse(["ls", "-h"])).command
    expect(help._tag === "Help" && help.text.split("\n")[0]).toBe("Usage:  buildlens ls [OPTIONS]")
  })
})
