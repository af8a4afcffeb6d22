/** fast-check generators of stored builders, shared by the store codec properties. */
import fc from "fast-check"
import type { NodeGroup } from "../../src/index.js"

const text = fc.string({ maxLength: 12 })
const platform = fc.record(
  {
    architecture: fc.constantFrom("amd64", "arm64", "arm", "386", "riscv64"),
    os: fc.constantFrom("linux", "windows", "darwin"),
    variant: fc.constantFrom("v6", "v7", "v8"),
    "os.version": fc.constantFrom("10.0.17763", "10.0.20348"),
    "os.features": fc.array(fc.constantFrom("win32k", "x"), { minLength: 1, maxLength: 2 })
  },
  { requiredKeys: ["architecture", "os"] }
)
const storedNode = fc.record({
  name: text,
  endpoint: text,
  platforms: fc.array(platform, { maxLength: 3 }),
  driverOpts: fc.dictionary(text, text, { maxKeys: 3 }),
  buildkitdFlags: fc.array(text, { maxLength: 3 }),
  files: fc.dictionary(text, fc.uint8Array({ maxLength: 16 }), { maxKeys: 2 })
})
export const nodeGroup: fc.Arbitrary<NodeGroup> = fc.record({
  name: text,
  driver: fc.constantFrom("", "docker-container", "remote", "kubernetes"),
  nodes: fc.array(storedNode, { maxLength: 4 }),
  dynamic: fc.boolean()
})
