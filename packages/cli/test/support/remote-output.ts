/**
 * The bytes buildx prints for the remote builder `rb` of the end-to-end tests, next to the `default`
 * builder whose DOCKER_HOST socket does not exist: `ls` tables (docker's tabwriter: minwidth 10,
 * padding 3), `inspect` text and `ls --format json` lines, plus the store JSON the tests write.
 */

import type { CliResult, Sandbox, StoreNodeGroupJson, StoreNodeJson } from "./sandbox.js"

/** What a run must print and return. */
export type Expected = Omit<CliResult, "elapsedMs">

/** A stored node with buildx's null defaults. */
export const storeNode = (name: string, endpoint: string, fields: Partial<StoreNodeJson> = {}): StoreNodeJson => ({
  Name: name,
  Endpoint: endpoint,
  Platforms: null,
  DriverOpts: null,
  Flags: null,
  Files: null,
  ...fields
})
/** A stored `linux/arm64` platform list, in the store's JSON. */
export const arm64: ReadonlyArray<Record<string, string>> = [{ architecture: "arm64", os: "linux" }]
/** The builder `rb` of the remote driver. */
export const rb = (nodes: ReadonlyArray<StoreNodeJson>): StoreNodeGroupJson => ({
  Name: "rb",
  Driver: "remote",
  Nodes: nodes,
  Dynamic: false
})

/** What moby's client says when DOCKER_HOST's socket is missing (vendor/github.com/moby/moby/client/request.go). */
export const dockerUnreachable = (sandbox: Sandbox): string =>
  `failed to connect to the docker API at ${sandbox.dockerHost}; check if the path is correct and if the daemon is ` +
  `running: dial unix ${sandbox.root}/no-docker.sock: connect: no such file or directory`

/** `ls`: header, `rb` and its node rows, the failed `default*`; the trailer lists node errors, then default's. */
export const lsOut = (
  sandbox: Sandbox,
  nodeRows: ReadonlyArray<ReadonlyArray<string>>,
  nodeErrors: ReadonlyArray<readonly [string, string]> = []
): Expected => ({
  stdout: lsTable([
    ["NAME/NODE", "DRIVER/ENDPOINT", "STATUS", "BUILDKIT", "PLATFORMS"],
    ["rb", "remote", "", "", ""],
    ...nodeRows,
    ["default*", "", "error", "", ""]
  ]),
  stderr:
    "\n" +
    nodeErrors.map(([node, error]) => `Failed to get status for rb (${node}): ${error}\n`).join("") +
    `Cannot load builder default: ${dockerUnreachable(sandbox)}\n`,
  code: 0
})
/** An `ls` node row of `rb`. */
export const nodeRow = (
  name: string,
  endpoint: string,
  status: string,
  buildkit: string,
  platforms: string
): ReadonlyArray<string> => [` \\_ ${name}`, ` \\_ ${endpoint}`, status, buildkit, platforms]

/** `inspect rb`: the builder lines, then each node's lines with an empty line between nodes. */
export const inspectOut = (...nodes: ReadonlyArray<ReadonlyArray<string>>): Expected => ({
  stdout: [
    "Name:   rb",
    "Driver: remote",
    "",
    "Nodes:",
    ...nodes.flatMap((n, i) => (i === 0 ? n : ["", ...n])),
    ""
  ].join("\n"),
  stderr: "",
  code: 0
})

const zeroTime = "0001-01-01T00:00:00Z"
/** `ls --format json`: the `rb` line with these node objects, then the failed default builder. */
export const jsonOut = (sandbox: Sandbox, nodes: ReadonlyArray<string>): Expected => ({
  stdout:
    `{"Current":false,"Driver":"remote","Dynamic":false,"LastActivity":"${zeroTime}","Name":"rb","Nodes":[` +
    `${nodes.join(",")}]}\n` +
    `{"Current":true,"Driver":"","Dynamic":false,"Err":${JSON.stringify(dockerUnreachable(sandbox))},` +
    `"LastActivity":"${zeroTime}","Name":"default","Nodes":[{"Endpoint":"","Name":""}]}\n`,
  stderr: "",
  code: 0
})

/**
 * docker's `ls` table (its tabwriter fork: minwidth 10, padding 3): every cell but the last is
 * right-padded to max(10, longest cell of its column + 3), empty cells included.
 */
export const lsTable = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths: Array<number> = []
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 10, cell.length + 3)
    })
  }
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 10))).join(""))
    .map((line) => `${line}\n`)
    .join("")
}
