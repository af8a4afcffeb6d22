/**
 * The built `buildlens` command against the private dockerd of `npm test`, with docker contexts
 * made by the real docker CLI. Expected bytes are buildx's, worked out from SPEC §5.
 */
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { testDockerHost } from "../../adapters/test/support/dockerd.js"

const cli = fileURLToPath(new URL("../../../node_modules/.bin/buildlens", import.meta.url))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

interface Sandbox {
  readonly dir: string
  readonly env: Readonly<Record<string, string>>
}

const made: Array<string> = []
afterEach(() => {
  for (const dir of made.splice(0)) {
    rmSync(dir, { recursive: true, force: true })
  }
})

/** A temp HOME / DOCKER_CONFIG / BUILDX_CONFIG; DOCKER_HOST is always set, to the private daemon by default. */
const sandbox = (dockerHost = testDockerHost()): Sandbox => {
  const dir = mkdtempSync(join(tmpdir(), "buildlens-e2e-"))
  made.push(dir)
  mkdirSync(join(dir, "home"))
  mkdirSync(join(dir, "config"))
  return {
    dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: join(dir, "home"),
      DOCKER_CONFIG: join(dir, "config"),
      BUILDX_CONFIG: join(dir, "buildx"),
      DOCKER_HOST: dockerHost
    }
  }
}

const run = (box: Sandbox, args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Promise<Run> =>
  new Promise((resolve) => {
    execFile(cli, [...args], { env: { ...box.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })

const docker = (box: Sandbox, args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile("docker", ["--config", box.env.DOCKER_CONFIG ?? "", ...args], { env: box.env }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`docker ${args.join(" ")}: ${stderr}`))
    )
  })

/** Every file below `dir` with its bytes and mode, to prove a run wrote nothing. */
const snapshot = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {}
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) {
        out[`${full}/`] = String(statSync(full).mode)
        walk(full)
      } else {
        out[full] = `${statSync(full).mode}:${readFileSync(full).toString("base64")}`
      }
    }
  }
  walk(dir)
  return out
}

const header = "NAME/NODE     DRIVER/ENDPOINT   STATUS    BUILDKIT       PLATFORMS"
const nodeRow = (name: string) =>
  ` \\_ ${name.padEnd(10)} \\_ ${name.padEnd(14)}running   v0.8+unknown   linux/amd64, linux/386`
// A builder row pads every empty cell to its column: 14 + 18 + 10 + 15 columns, the last cell empty.
const builderRow = (name: string, driver: string) => `${name.padEnd(14)}${driver.padEnd(18)}${" ".repeat(25)}`
const errorRow = (name: string, driver: string) => `${name.padEnd(14)}${driver.padEnd(18)}error${" ".repeat(20)}`

describe("buildlens against the private dockerd", () => {
  it("lists the default builder with its BuildKit version and platforms", async () => {
    const box = sandbox()
    const result = await run(box, ["ls"])
    expect(result).toEqual({
      code: 0,
      stdout: [header, builderRow("default*", "docker"), nodeRow("default"), ""].join("\n"),
      stderr: ""
    })
  })

  it("inspects the default builder with the daemon's four GC rules", async () => {
    const box = sandbox()
    const result = await run(box, ["inspect"])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    // Rule 0's reserved space is derived by dockerd from the disk size, so it is matched, not fixed.
    expect(result.stdout.replace(/Reserved Space: \d+(\.\d+)?[KMGT]iB\n/, "Reserved Space: <disk>\n")).toBe(
      [
        "Name:   default",
        "Driver: docker",
        "",
        "Nodes:",
        "Name:             default",
        "Endpoint:         default",
        "Status:           running",
        "BuildKit version: v0.8+unknown",
        "Platforms:        linux/amd64, linux/386",
        "GC Policy rule#0:",
        " All:            false",
        " Filters:        type==source.local,type==exec.cachemount,type==source.git.checkout",
        // dockerd 20.10 sends 48h as 172800 in a nanosecond field; buildx prints what it gets.
        " Keep Duration:  172.8µs",
        " Reserved Space: <disk>",
        "GC Policy rule#1:",
        " All:            false",
        " Keep Duration:  5.184ms",
        " Reserved Space: 20GiB",
        "GC Policy rule#2:",
        " All:            false",
        " Reserved Space: 20GiB",
        "GC Policy rule#3:",
        " All:            true",
        " Reserved Space: 20GiB",
        ""
      ].join("\n")
    )
  })

  it("prints one json object per builder with buildx's keys", async () => {
    const box = sandbox()
    const result = await run(box, ["ls", "--format", "json"])
    expect(result.code).toBe(0)
    const lines = result.stdout.split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[1]).toBe("")
    const object = JSON.parse(lines[0] ?? "")
    expect(Object.keys(object)).toEqual(["Current", "Driver", "Dynamic", "LastActivity", "Name", "Nodes"])
    expect(object.Nodes[0]).toMatchObject({
      Endpoint: "default",
      IDs: ["moby"],
      Name: "default",
      Platforms: ["linux/amd64", "linux/386"],
      Status: "running",
      Version: "v0.8+unknown"
    })
    expect(object.Nodes[0].GCPolicy).toHaveLength(4)
    expect(lines[0]).toMatch(
      /^\{"Current":true,"Driver":"docker","Dynamic":false,"LastActivity":"0001-01-01T00:00:00Z"/
    )
  })

  it("shows a context with a missing socket as an error builder with its trailer line", async () => {
    const box = sandbox()
    const missing = join(box.dir, "missing.sock")
    await docker(box, ["context", "create", "broken", "--docker", `host=unix://${missing}`])
    const before = snapshot(box.dir)
    const result = await run(box, ["ls"])
    expect(result).toEqual({
      code: 0,
      stdout: [header, builderRow("default*", "docker"), nodeRow("default"), errorRow("broken", ""), ""].join("\n"),
      stderr: `\nCannot load builder broken: failed to connect to the docker API at unix://${missing}; check if the path is correct and if the daemon is running: dial unix ${missing}: connect: no such file or directory\n`
    })
    expect(snapshot(box.dir)).toEqual(before)
  })

  it("marks the builder of the context chosen with --context as current", async () => {
    const box = sandbox()
    await docker(box, ["context", "create", "priv", "--docker", `host=${testDockerHost()}`])
    const result = await run(box, ["--context", "priv", "ls"])
    expect(result).toEqual({
      code: 0,
      stdout: [
        header,
        builderRow("default", "docker"),
        nodeRow("default"),
        builderRow("priv*", "docker"),
        nodeRow("priv"),
        ""
      ].join("\n"),
      stderr: ""
    })
    const inspect = await run(box, ["--context", "priv", "inspect"])
    expect(inspect.stdout.split("\n").slice(0, 2)).toEqual(["Name:   priv", "Driver: docker"])
  })

  it("refuses a store instance of the docker driver", async () => {
    const box = sandbox()
    mkdirSync(join(box.dir, "buildx", "instances"), { recursive: true })
    writeFileSync(
      join(box.dir, "buildx", "instances", "mydocker"),
      '{"Name":"mydocker","Driver":"docker","Nodes":[{"Name":"mydocker0","Endpoint":"default","Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}'
    )
    const before = snapshot(box.dir)
    const result = await run(box, ["ls"])
    expect(result).toEqual({
      code: 0,
      stdout: [header, builderRow("default*", "docker"), nodeRow("default"), errorRow("mydocker", "docker"), ""].join(
        "\n"
      ),
      stderr: '\nCannot load builder mydocker: additional instances of driver "docker" cannot be created\n'
    })
    const inspect = await run(box, ["inspect", "mydocker"])
    expect(inspect).toEqual({
      code: 0,
      stdout: 'Name:   mydocker\nDriver: docker\nError:  additional instances of driver "docker" cannot be created\n',
      stderr: ""
    })
    expect(snapshot(box.dir)).toEqual(before)
  })

  it("fails inspect of an unknown builder as buildx does", async () => {
    const box = sandbox()
    expect(await run(box, ["inspect", "nope"])).toEqual({
      code: 1,
      stdout: "",
      stderr: 'ERROR: no builder "nope" found\n'
    })
    expect(await run(box, ["inspect"], { BUILDX_BUILDER: "gone" })).toEqual({
      code: 1,
      stdout: "",
      stderr: 'ERROR: no builder "gone" found\n'
    })
  })

  it("shows the default builder as an error when DOCKER_HOST has no daemon", async () => {
    const box = sandbox()
    const host = `unix://${join(box.dir, "none.sock")}`
    const result = await run(box, ["ls"], { DOCKER_HOST: host })
    expect(result.stdout).toBe(
      [
        "NAME/NODE   DRIVER/ENDPOINT   STATUS    BUILDKIT   PLATFORMS",
        `default*                      error                `,
        ""
      ].join("\n")
    )
    expect(result.stderr).toMatch(/^\nCannot load builder default: failed to connect to the docker API at unix:\/\//)
    expect(result.code).toBe(0)
  })
})
