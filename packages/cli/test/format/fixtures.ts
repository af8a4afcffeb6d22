/**
 * Loaded builders and nodes for the rendering tests, built the way the loader would leave them.
 */
import { type Builder, type Node, type NodeGroup, type Platform, zeroNode } from "@buildlens/core"

/** `os/arch[/variant]` as a platform object, as BuildKit reports it. */
export const platform = (spec: string): Platform => {
  const [os = "", architecture = "", variant] = spec.split("/")
  return variant === undefined ? { os, architecture } : { os, architecture, variant }
}

export const platforms = (...specs: ReadonlyArray<string>): ReadonlyArray<Platform> => specs.map(platform)

/** A running node of `builder`; everything else empty unless overridden. */
export const runningNode = (builder: string, overrides: Partial<Node> = {}): Node => ({
  ...zeroNode(builder),
  driver: "docker-container",
  driverInfo: { status: "running", dynamicNodes: [] },
  ...overrides
})

/** A loaded builder holding `nodes`, its stored NodeGroup derived from them. */
export const loadedBuilder = (
  name: string,
  driver: string,
  nodes: ReadonlyArray<Node> | undefined,
  overrides: Partial<Builder> = {}
): Builder => {
  const nodeGroup: NodeGroup = {
    name,
    driver,
    dynamic: false,
    nodes: (nodes ?? []).map((n) => ({
      name: n.name,
      endpoint: n.endpoint,
      platforms: n.storedPlatforms,
      driverOpts: n.driverOpts,
      buildkitdFlags: n.buildkitdFlags,
      files: n.files
    }))
  }
  return {
    name,
    driver,
    nodeGroup,
    dockerContext: false,
    lastActivity: undefined,
    nodes,
    error: undefined,
    ...overrides
  }
}

/** SPEC example 52's `mybuilder`: docker-container, one running node on the local socket. */
export const mybuilder = (nodeOverrides: Partial<Node> = {}, overrides: Partial<Builder> = {}): Builder =>
  loadedBuilder(
    "mybuilder",
    "docker-container",
    [
      runningNode("mybuilder", {
        name: "mybuilder0",
        endpoint: "unix:///var/run/docker.sock",
        version: "v0.12.5",
        platforms: platforms("linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/386"),
        ...nodeOverrides
      })
    ],
    { lastActivity: new Date("2024-05-06T07:08:09Z"), ...overrides }
  )

/** SPEC example 52's `default`: the docker context builder on the docker driver. */
export const defaultBuilder = (): Builder =>
  loadedBuilder(
    "default",
    "docker",
    [
      runningNode("default", {
        name: "default",
        endpoint: "default",
        driver: "docker",
        version: "v0.13.2",
        platforms: platforms("linux/amd64", "linux/386")
      })
    ],
    { dockerContext: true }
  )
