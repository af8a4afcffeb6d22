/**
 * Temp folders for the files adapter tests, and a byte-level snapshot of a tree so each test can
 * assert that reading wrote, created or deleted nothing.
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import * as Path from "node:path"

/** Every path under root with its type, mode and content hash. */
export const snapshot = async (root: string): Promise<ReadonlyArray<string>> => {
  const out: Array<string> = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir).catch(() => [] as Array<string>)
    for (const name of entries.sort()) {
      const path = Path.join(dir, name)
      const info = await lstat(path)
      const rel = Path.relative(root, path)
      if (info.isDirectory()) {
        out.push(`d ${rel} ${info.mode.toString(8)} ${info.mtimeMs}`)
        await walk(path)
      } else if (info.isSymbolicLink()) {
        out.push(`l ${rel} -> ${await readlink(path)}`)
      } else {
        const hash = createHash("sha256")
          .update(await readFile(path))
          .digest("hex")
        out.push(`f ${rel} ${info.mode.toString(8)} ${hash} ${info.mtimeMs}`)
      }
    }
  }
  await walk(root)
  return out
}

/** A fresh temp folder. */
export const tempDir = (prefix: string): Promise<string> => mkdtemp(Path.join(tmpdir(), `bl-files-${prefix}-`))

export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true })

/** Writes a file (creating its folder) with exactly these bytes. */
export const put = async (path: string, content: string | Uint8Array): Promise<void> => {
  await mkdir(Path.dirname(path), { recursive: true })
  await writeFile(path, content)
}

/**
 * Runs the real docker CLI against a temp config folder only: --config and DOCKER_CONFIG point at it,
 * HOME and DOCKER_HOST at the temp root, so nothing of the machine's docker setup is read or touched.
 */
export const dockerCli = (
  root: string,
  configDir: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {}
): string =>
  execFileSync("docker", ["--config", configDir, ...args], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: Path.join(root, "home"),
      DOCKER_CONFIG: configDir,
      DOCKER_HOST: `unix://${Path.join(root, "no-daemon.sock")}`,
      BUILDX_CONFIG: Path.join(root, "buildx"),
      ...env
    },
    encoding: "utf8",
    timeout: 30_000
  })

/** Throwaway self-signed PEM files (key.pem, cert.pem, ca.pem) made with openssl in dir. */
export const makePems = (dir: string): void => {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "cert.pem",
      "-days",
      "1",
      "-subj",
      "/CN=buildlens-test"
    ],
    { cwd: dir, stdio: "ignore", timeout: 30_000 }
  )
  execFileSync("cp", ["cert.pem", "ca.pem"], { cwd: dir })
}
