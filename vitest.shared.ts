import { fileURLToPath } from "node:url"
import { defineProject, type UserWorkspaceConfig } from "vitest/config"

const packages = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url))

/** One package's test project. Tests run against the sources of the sibling packages, so no build is needed. */
export const project = (name: string): UserWorkspaceConfig =>
  defineProject({
    resolve: {
      alias: [
        { find: /^@buildlens\/core$/, replacement: packages("core/src/index.ts") },
        { find: /^@buildlens\/adapters\/(.*)$/, replacement: packages("adapters/src/$1/index.ts") }
      ]
    },
    test: { name, include: ["test/**/*.test.ts"] }
  })
