/**
 * A throwaway HOME / DOCKER_CONFIG / BUILDX_CONFIG for end-to-end runs of the built CLI: store files
 * written by hand in buildx's format, the bundle run as a child process with an environment that
 * names only the sandbox (DOCKER_HOST aims at a socket that does not exist, never at the machine's
 * daemon), and a snapshot of every file so a test can prove a run wrote nothing.
 */

import { execFile } from "node:child_process"
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, type Scope } from "effect"

/** `node_modules/.bin/buildlens` of the workspace, as `npm run build` links it. */
export const cliBin: string = fileURLToPath(new URL("../../../../node_modules/.bin/buildlens", import.meta.url))

// A hung CLI is killed (exit code null) instead of hanging the test run.
const runTimeoutMs = 20_000

/** What one run of the CLI printed, and how it ended. */
export interface CliResult {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
  readonly elapsedMs: number
}

/** A stored node as buildx's store writes it (`store.Node`, Go field names). */
export interface StoreNodeJson {
  readonly Name: string
  readonly Endpoint: string
  readonly Platforms: ReadonlyArray<Record<string, string>> | null
  readonly DriverOpts: Readonly<Record<string, string>> | null
  readonly Flags: ReadonlyArray<string> | null
  readonly Files: Readonly<Record<string, string>> | null
}

/** A node group as buildx's store writes it (`store.NodeGroup`). */
export interface StoreNodeGroupJson {
  readonly Name: string
  readonly Driver: string
  readonly Nodes: ReadonlyArray<StoreNodeJson>
  readonly Dynamic: boolean
}

/** Every regular file and folder below the sandbox root, by relative path (sockets and links skipped). */
export type Snapshot = Readonly<Record<string, string>>

export interface Sandbox {
  readonly root: string
  /** `unix://<root>/no-docker.sock`: nothing ever listens there. */
  readonly dockerHost: string
  /** Writes `<root>/buildx/instances/<name>` with exactly this JSON text. */
  readonly writeInstance: (group: StoreNodeGroupJson) => Effect.Effect<void>
  /** Links `<root>/<name>` to a unix socket address and returns `unix://<root>/<name>`. */
  readonly linkSocket: (address: string, name?: string) => Effect.Effect<string>
  readonly snapshot: Effect.Effect<Snapshot>
  /** Runs the built CLI with only the sandbox's variables in its environment. */
  readonly run: (args: ReadonlyArray<string>) => Effect.Effect<CliResult>
}

const walk = async (root: string, relative: string, into: Record<string, string>): Promise<void> => {
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`
    if (entry.isDirectory()) {
      into[`${path}/`] = "<dir>"
      await walk(root, path, into)
    } else if (entry.isFile()) {
      into[path] = (await readFile(join(root, path))).toString("base64")
    } else {
      const stat = await lstat(join(root, path))
      into[path] = `<${stat.isSymbolicLink() ? "link" : "other"}>`
    }
  }
}

/** Makes a sandbox for the current scope; the scope's end removes it. */
export const makeSandbox: Effect.Effect<Sandbox, never, Scope.Scope> = Effect.gen(function* () {
  const root = yield* Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "buildlens-remote-e2e-"))),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  )
  yield* Effect.promise(async () => {
    await mkdir(join(root, "home"))
    await mkdir(join(root, "cfg"))
    await mkdir(join(root, "buildx", "instances"), { recursive: true })
  })
  const dockerHost = `unix://${root}/no-docker.sock`
  const env = {
    HOME: join(root, "home"),
    DOCKER_CONFIG: join(root, "cfg"),
    BUILDX_CONFIG: join(root, "buildx"),
    DOCKER_HOST: dockerHost
  }
  return {
    root,
    dockerHost,
    writeInstance: (group) =>
      Effect.promise(() => writeFile(join(root, "buildx", "instances", group.Name), JSON.stringify(group))),
    linkSocket: (address, name = "buildkitd.sock") =>
      Effect.promise(async () => {
        if (!address.startsWith("unix://")) throw new Error(`not a unix socket address: ${address}`)
        await symlink(address.slice("unix://".length), join(root, name))
        return `unix://${root}/${name}`
      }),
    snapshot: Effect.promise(async () => {
      const into: Record<string, string> = {}
      await walk(root, "", into)
      return into
    }),
    run: (args) =>
      // Asynchronous on purpose: the test BuildKit server answers from this process's event loop.
      Effect.async<CliResult>((resume) => {
        const started = Date.now()
        execFile(
          process.execPath,
          [cliBin, ...args],
          { env, cwd: root, encoding: "utf8", timeout: runTimeoutMs },
          (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === "number" ? error.code : null
            resume(Effect.succeed({ stdout, stderr, code, elapsedMs: Date.now() - started }))
          }
        )
      })
  } satisfies Sandbox
})
