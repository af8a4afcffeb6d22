/**
 * The `buildlens` command: parse the command line, read the docker config, run `ls` or `inspect`
 * over the live layer with buildx's exit codes.
 */
import { homedir } from "node:os"
import { cliDaemonHost, loadDockerConfig, proxyConfigFor, resolveConfigDir } from "@buildlens/adapters/files"
import { ContextStore, goQuote } from "@buildlens/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Either, Exit, Logger, LogLevel } from "effect"
import { type Invocation, parseInvocation } from "./args.js"
import { runInspect, runLs, writeErr, writeOut } from "./commands.js"
import { liveLayer } from "./layers.js"

const version = "0.1.0"

type Env = Readonly<Record<string, string | undefined>>

const logValue = (value: unknown): string => {
  const text = typeof value === "string" ? value : JSON.stringify(value)
  return /^[\w./:@-]*$/.test(text) ? text : goQuote(text)
}

/** buildx's log lines on stderr: `WARNING: …`, `DEBUG: …`, then the annotations as `key=value`. */
const stderrLogger = Logger.make(({ logLevel, message, annotations }) => {
  const label = logLevel._tag === "Warning" ? "WARNING" : logLevel.label
  const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
  const fields = [...annotations].map(([key, value]) => ` ${key}=${logValue(value)}`).join("")
  process.stderr.write(`${label}: ${text}${fields}\n`)
})

/** The domain fields of a failure (file, context, builder...), for the debug line before `ERROR:`. */
const failureFields = (error: object): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(error).filter(([key, value]) => key !== "_tag" && (typeof value === "string" || key === "cause"))
  )

/** Runs one invocation and returns the process exit code; every failure is printed as buildx does. */
export const run = (invocation: Invocation, env: Env): Effect.Effect<number> =>
  Effect.gen(function* () {
    const { global, command } = invocation
    if (command._tag === "Help") {
      yield* writeOut(command.text)
      return 0
    }
    if (command._tag === "Version") {
      yield* writeOut(`buildlens ${version}\n`)
      return 0
    }
    const configDir = resolveConfigDir({ flag: global.config, env: env.DOCKER_CONFIG, home: env.HOME || homedir() })
    const config = yield* loadDockerConfig(configDir)
    for (const warning of config.warnings) {
      yield* writeErr(`${warning}\n`)
    }
    // `-H` acts on the default context exactly as DOCKER_HOST does.
    const effectiveEnv: Env = global.host === undefined ? env : { ...env, DOCKER_HOST: global.host }
    const ports = liveLayer({ configDir, contextFlag: global.context, env: effectiveEnv, config: config.config })
    const debug = global.debug || (env.DEBUG !== undefined && env.DEBUG !== "")
    const program = Effect.gen(function* () {
      const contexts = yield* ContextStore
      const current = yield* contexts.get(contexts.currentName).pipe(Effect.orElseSucceed(() => undefined))
      const proxyConfig = proxyConfigFor(config.config, cliDaemonHost(current?.docker?.host ?? ""))
      const commandEnv = { proxyConfig, debug }
      yield* command._tag === "Ls" ? runLs(command, commandEnv) : runInspect(command, commandEnv)
      return 0
    })
    return yield* program.pipe(
      Effect.provide(ports),
      Effect.catchAll((error) =>
        Effect.logDebug(`${error._tag}: ${error.message}`).pipe(
          Effect.annotateLogs(failureFields(error)),
          Effect.zipRight(writeErr(`ERROR: ${error.message}\n`)),
          Effect.as(1)
        )
      ),
      Logger.withMinimumLogLevel(debug ? LogLevel.Debug : LogLevel.Warning)
    )
  }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger)))

const main = Effect.suspend(() => {
  const parsed = parseInvocation(process.argv.slice(2), process.env)
  return Either.isLeft(parsed)
    ? Effect.as(writeErr(`ERROR: ${parsed.left.message}\nSee 'buildlens --help'.\n`), 1)
    : run(parsed.right, process.env)
})

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  // Logs go to stderr through our own logger only: stdout carries the table or JSON.
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    const result = exit as unknown as Exit.Exit<number>
    if (Exit.isSuccess(result)) {
      onExit(result.value)
    } else {
      if (!Cause.isInterruptedOnly(result.cause)) {
        process.stderr.write(`ERROR: ${Cause.pretty(result.cause)}\n`)
      }
      onExit(Cause.isInterruptedOnly(result.cause) ? 130 : 1)
    }
  }
})
