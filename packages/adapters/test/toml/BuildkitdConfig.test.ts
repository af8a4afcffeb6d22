import { buildkitdConfig } from "@buildlens/adapters/toml"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

const check = (text: string) => Effect.either(buildkitdConfig.check("b", new TextEncoder().encode(text)))

describe("buildkitdConfig", () => {
  it.effect("accepts the file buildx writes for a builder created with a config", () =>
    Effect.gen(function* () {
      const ok = yield* check(
        "debug = true\ninsecure-entitlements = ['network.host', 'security.insecure']\n\n[log]\nformat = 'text'\n"
      )
      expect(ok._tag).toBe("Right")
    })
  )

  it.effect("refuses a file that does not parse, with buildx's prefix", () =>
    Effect.gen(function* () {
      const bad = yield* check("debug = \n")
      expect(bad._tag === "Left" && bad.left.message).toBe("failed to parse config: toml: invalid value")
    })
  )
})
