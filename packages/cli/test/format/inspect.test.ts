import { DockerApiError, DriverError } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import { renderInspect, renderInspectJson } from "../../src/format/inspect.js"
import { loadedBuilder, mybuilder, platforms, runningNode } from "./fixtures.js"

const plain = { debug: false, features: [] }

const example55 = () =>
  mybuilder({
    buildkitdFlags: ["--allow-insecure-entitlement=network.host"],
    platforms: platforms("linux/amd64", "linux/amd64/v2", "linux/386"),
    labels: {
      "org.mobyproject.buildkit.worker.snapshotter": "overlayfs",
      "org.mobyproject.buildkit.worker.executor": "oci",
      "org.mobyproject.buildkit.worker.hostname": "abc123"
    },
    gcPolicy: [
      {
        all: false,
        filter: ["type==source.local,type==exec.cachemount,type==source.git.checkout"],
        keepDuration: 48 * 3600e9,
        reservedSpace: 0,
        maxUsedSpace: 512000000,
        minFreeSpace: 0
      },
      {
        all: true,
        filter: [],
        keepDuration: 0,
        reservedSpace: 20000000000,
        maxUsedSpace: 26000000000,
        minFreeSpace: 0
      }
    ]
  })

describe("renderInspect", () => {
  it("prints the documented builder byte for byte (example 55)", () => {
    expect(renderInspect(example55(), plain)).toBe(
      [
        "Name:          mybuilder",
        "Driver:        docker-container",
        "Last Activity: 2024-05-06 07:08:09 +0000 UTC",
        "",
        "Nodes:",
        "Name:                  mybuilder0",
        "Endpoint:              unix:///var/run/docker.sock",
        "Status:                running",
        "BuildKit daemon flags: --allow-insecure-entitlement=network.host",
        "BuildKit version:      v0.12.5",
        "Platforms:             linux/amd64, linux/amd64/v2, linux/386",
        "Labels:",
        " org.mobyproject.buildkit.worker.executor:    oci",
        " org.mobyproject.buildkit.worker.hostname:    abc123",
        " org.mobyproject.buildkit.worker.snapshotter: overlayfs",
        "GC Policy rule#0:",
        " All:            false",
        " Filters:        type==source.local,type==exec.cachemount,type==source.git.checkout",
        " Keep Duration:  48h0m0s",
        " Max Used Space: 488.3MiB",
        "GC Policy rule#1:",
        " All:            true",
        " Reserved Space: 18.63GiB",
        " Max Used Space: 24.21GiB",
        ""
      ].join("\n")
    )
  })

  it("prints a file's content line by line, the trailing newline as an empty piece (example 56)", () => {
    const toml =
      "debug = true\ninsecure-entitlements = ['network.host', 'security.insecure']\n\n[log]\nformat = 'text'\n"
    const builder = mybuilder({ files: { "buildkitd.toml": new TextEncoder().encode(toml) } })
    const out = renderInspect(builder, plain)
    expect(out.slice(out.indexOf("File#"))).toBe(
      [
        "File#buildkitd.toml:",
        " > debug = true",
        " > insecure-entitlements = ['network.host', 'security.insecure']",
        " > ",
        " > [log]",
        " > format = 'text'",
        " > ",
        ""
      ].join("\n")
    )
  })

  it("sorts files by name and splits cells at tabs inside their content", () => {
    const encode = (s: string) => new TextEncoder().encode(s)
    const builder = mybuilder({ files: { "b.toml": encode("x\ty"), "a.pem": encode("long\tz") } })
    const out = renderInspect(builder, plain)
    expect(out.slice(out.indexOf("File#"))).toBe("File#a.pem:\n > long z\nFile#b.toml:\n > x y\n")
  })

  it("stops after the error line when the builder failed to load", () => {
    const error = DockerApiError.make({ endpoint: "unix:///var/run/docker.sock", reason: "Unreachable", detail: "" })
    const builder = loadedBuilder("default", "", [], { error })
    expect(renderInspect(builder, plain)).toBe(
      "Name:   default\nDriver: \nError:  Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"
    )
  })

  it("prints a failed node's error instead of its status, after its driver options", () => {
    const node = runningNode("remote", {
      name: "remote0",
      endpoint: "tcp://10.0.0.9:1234",
      driverOpts: { servername: "my\tbuild\u0001kit", cacert: 'C:\\"ca".pem' },
      error: DriverError.make({ driver: "remote", detail: "connection refused" })
    })
    const second = runningNode("remote", { name: "remote1", endpoint: "tcp://10.0.0.10:1234" })
    const builder = loadedBuilder("remote", "remote", [node, second])
    expect(renderInspect(builder, plain)).toBe(
      [
        "Name:   remote",
        "Driver: remote",
        "",
        "Nodes:",
        "Name:           remote0",
        "Endpoint:       tcp://10.0.0.9:1234",
        'Driver Options: cacert="C:\\\\\\"ca\\".pem" servername="my\\tbuild\\x01kit"',
        "Error:          connection refused",
        "",
        "Name:     remote1",
        "Endpoint: tcp://10.0.0.10:1234",
        "Status:   running",
        ""
      ].join("\n")
    )
  })

  it("lists the caller's features sorted, only in debug mode", () => {
    const features = { "OCI exporter": true, "Cache export": true, "Docker exporter": false }
    const builder = mybuilder({ platforms: [] })
    const debugOut = renderInspect(builder, { debug: true, features: [features] })
    expect(debugOut.slice(debugOut.indexOf("Features:"))).toBe(
      "Features:\n Cache export:    true\n Docker exporter: false\n OCI exporter:    true\n"
    )
    expect(renderInspect(builder, { debug: false, features: [features] })).not.toContain("Features:")
    expect(renderInspect(builder, { debug: true, features: [undefined] })).toContain(
      "BuildKit version: v0.12.5\nFeatures:\n"
    )
  })

  it("prints devices with on-demand, auto-allow and sorted annotations", () => {
    const builder = mybuilder({
      platforms: [],
      cdiDevices: [
        { name: "nvidia.com/gpu=all", autoAllow: false, onDemand: false, annotations: { z: "1", "org.a": "2" } },
        { name: "vendor.com/dev=0", autoAllow: true, onDemand: true, annotations: {} }
      ]
    })
    const out = renderInspect(builder, plain)
    expect(out.slice(out.indexOf("Devices:"))).toBe(
      [
        "Devices:",
        " Name:                  nvidia.com/gpu=all",
        " Automatically allowed: false",
        " Annotations:",
        // The annotation keys share a column block with the next device's labels (SPEC §5.4).
        `${" ".repeat(12)}org.a: 2`,
        `${" ".repeat(12)}z:     1`,
        " Name:      vendor.com/dev=0",
        " On-Demand: true",
        ""
      ].join("\n")
    )
  })

  it("prints only the gc fields that are set, with min free space and filters space-joined", () => {
    const builder = mybuilder({
      platforms: [],
      gcPolicy: [
        { all: false, filter: ["a", "b"], keepDuration: 0, reservedSpace: 0, maxUsedSpace: 0, minFreeSpace: 1536 }
      ]
    })
    const out = renderInspect(builder, plain)
    expect(out.slice(out.indexOf("GC Policy"))).toBe(
      "GC Policy rule#0:\n All:            false\n Filters:        a b\n Min Free Space: 1.5KiB\n"
    )
  })

  it("stars user-set platforms and omits empty optional lines", () => {
    const builder = mybuilder({
      version: "",
      storedPlatforms: platforms("linux/arm64"),
      platforms: platforms("linux/arm64", "linux/amd64")
    })
    expect(renderInspect(builder, plain).split("\n").slice(5)).toEqual([
      "Name:      mybuilder0",
      "Endpoint:  unix:///var/run/docker.sock",
      "Status:    running",
      "Platforms: linux/arm64*, linux/amd64",
      ""
    ])
  })
})

describe("renderInspectJson", () => {
  it("prints the builder's ls json line", () => {
    const builder = example55()
    expect(renderInspectJson(builder, { current: true })).toBe(
      '{"Current":true,"Driver":"docker-container","Dynamic":false,"LastActivity":"2024-05-06T07:08:09Z","Name":"mybuilder",' +
        '"Nodes":[{"Endpoint":"unix:///var/run/docker.sock","Flags":["--allow-insecure-entitlement=network.host"],' +
        '"GCPolicy":[{"all":false,"filter":["type==source.local,type==exec.cachemount,type==source.git.checkout"],' +
        '"keepDuration":172800000000000,"maxUsedSpace":512000000,"minFreeSpace":0,"reservedSpace":0},' +
        '{"all":true,"filter":null,"keepDuration":0,"maxUsedSpace":26000000000,"minFreeSpace":0,"reservedSpace":20000000000}],' +
        '"Labels":{"org.mobyproject.buildkit.worker.executor":"oci","org.mobyproject.buildkit.worker.hostname":"abc123",' +
        '"org.mobyproject.buildkit.worker.snapshotter":"overlayfs"},"Name":"mybuilder0",' +
        '"Platforms":["linux/amd64","linux/amd64/v2","linux/386"],"Status":"running","Version":"v0.12.5"}]}\n'
    )
    expect(renderInspectJson(builder)).toMatch(
      /^\{"Current":false,"Driver":"docker-container",.*"Name":"mybuilder","Nodes":\[/
    )
  })
})
