/**
 * @buildlens/adapters/toml: the BuildkitdConfig port over smol-toml. buildx parses the first node's
 * `buildkitd.toml` during LoadNodes and fails the builder when it does not parse (SPEC §1.6).
 */
import { BuildkitdConfig, BuildkitdConfigError, type BuildkitdConfigService } from "@buildlens/core"
import { Effect, Layer } from "effect"
import { parse, TomlError } from "smol-toml"

// go-toml v2 prefixes its messages with "toml: "; smol-toml words the reason its own way and adds a
// code frame, of which the first line is kept.
// TODO(toml wording): go-toml's exact reason texts (e.g. "expected character =") are not reproduced.
const reason = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error)
  const first = text.split("\n")[0] ?? text
  return `toml: ${first.replace(/^Invalid TOML document: /, "")}`
}

/** Parses the file's text; only whether it parses matters to `ls` and `inspect`. */
export const buildkitdConfig: BuildkitdConfigService = {
  check: (builder, content) =>
    Effect.try({
      try: () => {
        parse(new TextDecoder().decode(content))
      },
      catch: (cause) =>
        new BuildkitdConfigError({
          builder,
          detail: reason(cause),
          cause: cause instanceof TomlError ? cause : String(cause)
        })
    })
}

/** BuildkitdConfig over smol-toml. */
export const BuildkitdConfigLive: Layer.Layer<BuildkitdConfig> = Layer.succeed(BuildkitdConfig, buildkitdConfig)
