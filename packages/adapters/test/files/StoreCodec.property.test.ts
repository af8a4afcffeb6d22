/** The file adapter's Go-faithful decoder reads back whatever core's codec writes, for generated builders. */

import { decodeNodeGroup } from "@buildlens/adapters/files"
import { NodeGroupJson } from "@buildlens/core"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { nodeGroup } from "../../../core/test/support/arbitraries.js"

const seed = Number(process.env.FC_SEED ?? 20261204)
const encode = Schema.encodeSync(NodeGroupJson)

describe("store codec", () => {
  it("decodes every encoded node group back to itself", () => {
    fc.assert(
      fc.property(nodeGroup, (group) => {
        const bytes = new TextEncoder().encode(JSON.stringify(encode(group)))
        expect(decodeNodeGroup(bytes)).toEqual(Either.right(group))
      }),
      { seed, numRuns: 200 }
    )
  })
})
