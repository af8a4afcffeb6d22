/**
 * `ls` and `inspect`: resolve builders, load every node under one deadline, render with pure
 * functions, write through the Console service. Exit codes follow buildx.
 */
import { type Builder, builderByName, currentBuilder, type LoadOptions, listBuilders, loadNodes } from "@buildlens/core"
import { Clock, Console, Effect, Either } from "effect"
import type { Command } from "./args.js"
import { renderInspect, renderInspectJson } from "./format/inspect.js"
import { renderLs } from "./format/ls.js"

/** What the commands need besides the ports: values the CLI computed from flags, env and config. */
export interface CommandEnv {
  readonly proxyConfig: Readonly<Record<string, string>>
  readonly debug: boolean
}

/** Writes text that already ends in a newline (Console.log adds its own). */
export const writeOut = (text: string): Effect.Effect<void> =>
  text === "" ? Effect.void : Console.log(text.endsWith("\n") ? text.slice(0, -1) : text)
export const writeErr = (text: string): Effect.Effect<void> =>
  text === "" ? Effect.void : Console.error(text.endsWith("\n") ? text.slice(0, -1) : text)

const loadOptions = (env: CommandEnv, timeoutMs: number, features: boolean) =>
  Effect.map(
    Clock.currentTimeMillis,
    (now): LoadOptions => ({
      data: true,
      features,
      proxyConfig: env.proxyConfig,
      ...(timeoutMs > 0 ? { deadline: now + timeoutMs } : {})
    })
  )

/** buildx `ls`: every builder loaded at once; exit 0 even when builders or nodes fail. */
export const runLs = (command: Extract<Command, { _tag: "Ls" }>, env: CommandEnv) =>
  Effect.gen(function* () {
    const current = yield* currentBuilder
    const builders = yield* listBuilders
    const options = yield* loadOptions(env, command.timeoutMs, false)
    const loaded: ReadonlyArray<Builder> = yield* Effect.forEach(builders, (b) => loadNodes(b, options), {
      concurrency: "unbounded"
    })
    const rendered = renderLs(loaded, { format: command.format, noTrunc: command.noTrunc, current: current.name })
    if (Either.isLeft(rendered)) {
      return yield* Effect.fail(rendered.left)
    }
    yield* writeOut(rendered.right.stdout)
    yield* writeErr(rendered.right.stderr)
  })

/** buildx `inspect [NAME]`: one builder; its load errors are printed inside the output. */
export const runInspect = (command: Extract<Command, { _tag: "Inspect" }>, env: CommandEnv) =>
  Effect.gen(function* () {
    const builder = command.name === undefined ? yield* currentBuilder : yield* builderByName(command.name)
    const options = yield* loadOptions(env, command.timeoutMs, env.debug)
    const loaded = yield* loadNodes(builder, options)
    if (command.format === "json") {
      const current = yield* Effect.option(currentBuilder)
      const isCurrent = current._tag === "Some" && current.value.name === loaded.name
      return yield* writeOut(renderInspectJson(loaded, { current: isCurrent }))
    }
    yield* writeOut(renderInspect(loaded, { debug: env.debug, features: loaded.nodes.map((node) => node.features) }))
  })
