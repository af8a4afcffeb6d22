import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import fc from "fast-check"
import { contextNodeGroup, NodeGroupJson } from "../src/index.js"
import { nodeGroup } from "./support/arbitraries.js"

const seed = Number(process.env.FC_SEED ?? 20261204)

const encode = Schema.encodeSync(NodeGroupJson)
const decode = Schema.decodeUnknownEither(NodeGroupJson)

describe("NodeGroupJson", () => {
  it("round-trips every node group through its JSON text", () => {
    fc.assert(
      fc.property(nodeGroup, (group) => {
        const json = JSON.parse(JSON.stringify(encode(group)))
        expect(decode(json)).toEqual(Either.right(group))
      }),
      { seed, numRuns: 200 }
    )
  })

  it("writes buildx's keys in Go field order with null for empty lists and maps", () => {
    const json = JSON.stringify(encode(contextNodeGroup("ctx")))
    expect(json).toBe(
      '{"Name":"ctx","Driver":"","Nodes":[{"Name":"ctx","Endpoint":"ctx","Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}'
    )
  })

  it.effect("reads a stored kubernetes builder as buildx wrote it", () =>
    Effect.gen(function* () {
      const stored = JSON.parse(
        '{"Name":"k8s","Driver":"kubernetes","Nodes":[{"Name":"k8s0","Endpoint":"kubernetes:///k8s?deployment=k8s0\\u0026kubeconfig=","Platforms":[{"architecture":"arm","os":"linux","variant":"v7"}],"DriverOpts":{"namespace":"ci"},"Flags":["--allow-insecure-entitlement=network.host"],"Files":{"buildkitd.toml":"ZGVidWcgPSB0cnVlCg=="}}],"Dynamic":false}'
      )
      const group = yield* Schema.decodeUnknown(NodeGroupJson)(stored)
      const node = group.nodes[0]
      expect(node?.endpoint).toBe("kubernetes:///k8s?deployment=k8s0&kubeconfig=")
      expect(node?.platforms).toEqual([{ architecture: "arm", os: "linux", variant: "v7" }])
      expect(node?.buildkitdFlags).toEqual(["--allow-insecure-entitlement=network.host"])
      expect(new TextDecoder().decode(node?.files["buildkitd.toml"])).toBe("debug = true\n")
    })
  )
})
