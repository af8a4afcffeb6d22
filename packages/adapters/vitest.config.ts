import { fileURLToPath } from "node:url"
import { defineProject } from "vitest/config"

const src = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url))

// Tests run against the sources of the sibling packages, so no build is needed first.
export default defineProject({
  resolve: {
    alias: [
      { find: /^@buildlens\/core$/, replacement: src("core/src/index.ts") },
      { find: /^@buildlens\/adapters\/(.*)$/, replacement: src("adapters/src/$1/index.ts") }
    ]
  },
  test: { name: "adapters", include: ["test/**/*.test.ts"] }
})
