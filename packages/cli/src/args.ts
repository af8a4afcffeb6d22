/**
 * The command line: docker's global flags, buildx's `ls` and `inspect` flags, Go duration values.
 * Like cobra's persistent flags, global flags are accepted before or after the command name.
 */
import { parseArgs } from "node:util"
import { goQuote } from "@buildlens/core"
import { Either, Schema } from "effect"

/** A command line buildlens cannot run; the message is what the user sees after `ERROR: `. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", { detail: Schema.String }) {
  override get message(): string {
    return this.detail
  }
}

export interface GlobalOptions {
  readonly builder: string | undefined
  readonly config: string | undefined
  readonly context: string | undefined
  readonly host: string | undefined
  readonly debug: boolean
}

export type Command =
  | { readonly _tag: "Ls"; readonly format: string; readonly noTrunc: boolean; readonly timeoutMs: number }
  | {
      readonly _tag: "Inspect"
      readonly name: string | undefined
      readonly format: string | undefined
      readonly timeoutMs: number
    }
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Version" }

export interface Invocation {
  readonly global: GlobalOptions
  readonly command: Command
}

export const usage = `Usage:  buildlens [OPTIONS] COMMAND

List and inspect docker buildx builders, without the buildx binary.

Commands:
  ls          List builder instances
  inspect     Inspect current builder instance

Global options:
      --builder string   Override the configured builder instance (default: $BUILDX_BUILDER)
      --config string    Location of client config files (default: $DOCKER_CONFIG or ~/.docker)
  -c, --context string   Name of the context to use (default: $DOCKER_CONTEXT)
  -H, --host string      Daemon socket to connect to
  -D, --debug            Enable debug output

ls options:
      --format string     Format the output: table, table TEMPLATE, json or a TEMPLATE (default "table")
      --no-trunc          Don't truncate output
      --timeout duration  Override the default global load timeout (default 20s)

inspect options:
      --format string     Set to json for one JSON object
      --timeout duration  Override the default global load timeout (default 20s)
`

const commandUsage: Readonly<Record<string, string>> = {
  ls: `Usage:  buildlens ls [OPTIONS]

List builder instances

Options:
      --format string     Format the output: table, table TEMPLATE, json or a TEMPLATE (default "table")
      --no-trunc          Don't truncate output
      --timeout duration  Override the default global load timeout (default 20s)
`,
  inspect: `Usage:  buildlens inspect [OPTIONS] [NAME]

Inspect current builder instance

Options:
      --format string     Set to json for one JSON object
      --timeout duration  Override the default global load timeout (default 20s)
`
}

const units: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}

/** Go's `time.ParseDuration`, in milliseconds: `20s`, `1m30s`, `1.5h`, `-1s`, `0`, with Go's error texts. */
export const parseGoDuration = (text: string): Either.Either<number, UsageError> => {
  const fail = (why: string) => Either.left(UsageError.make({ detail: `time: ${why} ${goQuote(text)}` }))
  const sign = text.startsWith("-") ? -1 : 1
  const rest = /^[-+]/.test(text) ? text.slice(1) : text
  if (rest === "0") {
    return Either.right(0)
  }
  if (rest === "") {
    return fail("invalid duration")
  }
  let total = 0
  let at = 0
  while (at < rest.length) {
    const number = /^(\d*)(\.\d*)?/.exec(rest.slice(at))?.[0] ?? ""
    if (!/\d/.test(number)) {
      return fail("invalid duration")
    }
    at += number.length
    const unit = /^[^\d.]*/.exec(rest.slice(at))?.[0] ?? ""
    at += unit.length
    const scale = units[unit]
    if (unit === "") {
      return fail("missing unit in duration")
    }
    if (scale === undefined) {
      return fail(`unknown unit ${goQuote(unit)} in duration`)
    }
    total += Number(number) * scale
  }
  return Either.right(sign * total)
}

const booleanFlags: Readonly<Record<string, string>> = {
  "--debug": "debug",
  "-D": "debug",
  "--no-trunc": "no-trunc",
  "--bootstrap": "bootstrap",
  "--help": "help",
  "-h": "help",
  "--version": "version",
  "-v": "version"
}
const shortStringFlags = new Set(["-c", "-H"])

/** Go's `strconv.ParseBool`. */
const goBool = (text: string): boolean | undefined =>
  ["1", "t", "T", "TRUE", "true", "True"].includes(text)
    ? true
    : ["0", "f", "F", "FALSE", "false", "False"].includes(text)
      ? false
      : undefined

/**
 * pflag's spellings node's parseArgs does not know: `--bool=false`, `-c=value`. Booleans are taken
 * out here (the last one wins); everything else goes on to parseArgs.
 */
const pflagPrepass = (
  argv: ReadonlyArray<string>
): Either.Either<{ readonly rest: ReadonlyArray<string>; readonly bools: Record<string, boolean> }, UsageError> => {
  const rest: Array<string> = []
  const bools: Record<string, boolean> = {}
  for (const [i, token] of argv.entries()) {
    if (token === "--") {
      rest.push(...argv.slice(i))
      break
    }
    const [flag = "", value] = token.startsWith("-") && token.includes("=") ? splitOnce(token, "=") : [token, undefined]
    const name = booleanFlags[flag]
    if (name !== undefined) {
      const parsed = value === undefined ? true : goBool(value)
      if (parsed === undefined) {
        return Either.left(
          UsageError.make({
            detail: `invalid argument "${value}" for "${flag}" flag: strconv.ParseBool: parsing ${goQuote(value ?? "")}: invalid syntax`
          })
        )
      }
      bools[name] = parsed
    } else if (value !== undefined && shortStringFlags.has(flag)) {
      rest.push(flag, value)
    } else {
      rest.push(token)
    }
  }
  return Either.right({ rest, bools })
}

const splitOnce = (text: string, separator: string): readonly [string, string] => {
  const at = text.indexOf(separator)
  return [text.slice(0, at), text.slice(at + separator.length)]
}

/** Parses argv (without node and script) into global options and one command. */
export const parseInvocation = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Either.Either<Invocation, UsageError> => {
  const prepass = pflagPrepass(argv)
  if (Either.isLeft(prepass)) {
    return Either.left(prepass.left)
  }
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(prepass.right.rest)
  } catch (error) {
    return Either.left(
      UsageError.make({ detail: cobraFlagError(error as Error & { code?: string }, prepass.right.rest) })
    )
  }
  const values = { ...parsed.values, ...prepass.right.bools }
  const { positionals } = parsed
  const global: GlobalOptions = {
    // An empty name means "not given", as for cobra's string flags in buildx.
    builder: nonEmpty(values.builder) ?? nonEmpty(env.BUILDX_BUILDER),
    config: values.config,
    context: values.context,
    host: values.host,
    debug: values.debug === true
  }
  if (global.host !== undefined && global.context !== undefined) {
    return Either.left(UsageError.make({ detail: "conflicting options: cannot specify both --host and --context" }))
  }
  const [name, ...args] = positionals
  if (values.version === true || name === "version") {
    return Either.right({ global, command: { _tag: "Version" } })
  }
  if (values.help === true || name === undefined || name === "help") {
    return Either.right({ global, command: { _tag: "Help", text: (name && commandUsage[name]) || usage } })
  }
  const timeout = parseGoDuration(values.timeout ?? "20s")
  if (Either.isLeft(timeout)) {
    return Either.left(
      UsageError.make({ detail: `invalid argument "${values.timeout}" for "--timeout" flag: ${timeout.left.detail}` })
    )
  }
  switch (name) {
    case "ls":
      if (args.length > 0) {
        return Either.left(UsageError.make({ detail: `"buildlens ls" accepts no arguments` }))
      }
      return Either.right({
        global,
        command: {
          _tag: "Ls",
          format: values.format ?? "table",
          noTrunc: values["no-trunc"] === true,
          timeoutMs: timeout.right
        }
      })
    case "inspect":
      if (values.bootstrap === true) {
        // TODO(bootstrap): starting nodes writes (containers, pods); buildlens only reads for now.
        return Either.left(UsageError.make({ detail: "--bootstrap is not supported: buildlens only reads builders" }))
      }
      if (args.length > 1) {
        return Either.left(UsageError.make({ detail: `"buildlens inspect" accepts at most 1 argument` }))
      }
      if (values.format !== undefined && values.format !== "json") {
        return Either.left(
          UsageError.make({ detail: `inspect supports --format json only, not ${JSON.stringify(values.format)}` })
        )
      }
      return Either.right({
        global,
        // An argument, even an empty one, replaces --builder; empty means the current builder (buildx New).
        command: {
          _tag: "Inspect",
          name: args.length > 0 ? nonEmpty(args[0]) : global.builder,
          format: values.format,
          timeoutMs: timeout.right
        }
      })
    default:
      return Either.left(UsageError.make({ detail: `unknown command "${name}" for "buildlens"` }))
  }
}

/** cobra's wording for a flag it does not know (node's parseArgs words it its own way). */
const cobraFlagError = (error: Error & { readonly code?: string }, argv: ReadonlyArray<string>): string => {
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && / argument missing$/.test(error.message)) {
    // parseArgs names the option `-c, --context <value>`; say it the way it was typed.
    const typed = argv[argv.length - 1] ?? ""
    return typed.startsWith("--")
      ? `flag needs an argument: ${typed}`
      : `flag needs an argument: '${typed.slice(1)}' in ${typed}`
  }
  const flag = /'(-[^']*)'/.exec(error.message)?.[1]
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag !== undefined) {
    return flag.startsWith("--") ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`
  }
  return error.message
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === "" ? undefined : value

const parse = (argv: ReadonlyArray<string>) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      builder: { type: "string" },
      config: { type: "string" },
      context: { type: "string", short: "c" },
      host: { type: "string", short: "H" },
      debug: { type: "boolean", short: "D" },
      format: { type: "string" },
      "no-trunc": { type: "boolean" },
      timeout: { type: "string" },
      bootstrap: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" }
    }
  })
