import { DockerApiError, DriverError, NodeStepError, zeroNode } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { goJson } from "../../src/format/gojson.js"
import { builderJson, lsErrorTrailer, lsOrder, renderLs, truncatePlatforms } from "../../src/format/ls.js"
import { defaultBuilder, loadedBuilder, mybuilder, platforms, runningNode } from "./fixtures.js"

const split = (list: string): ReadonlyArray<string> => list.split(", ")

const ls = (builders: Parameters<typeof renderLs>[0], format = "table", noTrunc = false, current = "mybuilder") =>
  Either.getOrThrow(renderLs(builders, { format, noTrunc, current }))

const unreachable = DockerApiError.make({ endpoint: "unix:///var/run/docker.sock", reason: "Unreachable", detail: "" })

const brokenNode = () =>
  runningNode("broken", {
    name: "broken0",
    endpoint: "tcp://10.0.0.9:1234",
    driverInfo: undefined,
    storedPlatforms: platforms("linux/arm64"),
    platforms: platforms("linux/arm64"),
    error: DriverError.make({ driver: "remote", detail: "dial tcp 10.0.0.9:1234: connect: connection refused\n" })
  })

describe("truncatePlatforms", () => {
  it("groups variants under major platforms and counts the rest (example 24)", () => {
    const input =
      "linux/arm64*, linux/amd64, linux/amd64/v2, linux/riscv64, linux/ppc64le, linux/s390x, linux/386, linux/mips64le, linux/mips64, linux/arm/v7, linux/arm/v6"
    expect(truncatePlatforms(split(input))).toBe(
      "linux/amd64 (+2), linux/arm64*, linux/arm (+2), linux/ppc64le, (5 more)"
    )
  })

  it("renders a single entry as itself (example 25)", () => {
    expect(truncatePlatforms(["linux/riscv64*"])).toBe("linux/riscv64*")
  })

  it("stops at four groups (example 26)", () => {
    const input =
      "linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386, linux/arm64, linux/riscv64, linux/ppc64le, linux/s390x, linux/mips64le, linux/mips64, linux/arm/v7, linux/arm/v6"
    expect(truncatePlatforms(split(input))).toBe(
      "linux/amd64 (+3), linux/arm64, linux/arm (+2), linux/ppc64le, (5 more)"
    )
  })

  it("keeps non-major platforms after the major ones (example 27)", () => {
    expect(truncatePlatforms(split("linux/amd64, linux/386"))).toBe("linux/amd64, linux/386")
  })

  it("groups arm variants (example 28)", () => {
    expect(truncatePlatforms(split("linux/arm64, linux/arm/v7, linux/arm/v6"))).toBe("linux/arm64, linux/arm (+2)")
  })

  it("marks a group with a star when any member is user-set and sorts other keys (example 29)", () => {
    const input = "darwin/arm64*, linux/arm64*, linux/arm/v5*, linux/arm/v6*, linux/arm/v7*, windows/arm64*"
    expect(truncatePlatforms(split(input))).toBe("linux/arm64*, linux/arm* (+3), darwin/arm64*, windows/arm64*")
  })

  it("marks groups whose starred member is not first (example 30)", () => {
    const input =
      "linux/amd64/v2*, linux/arm/v6*, linux/mips64le*, linux/amd64, linux/amd64/v3, linux/386, linux/arm64, linux/riscv64, linux/ppc64le, linux/s390x, linux/mips64, linux/arm/v7"
    expect(truncatePlatforms(split(input))).toBe(
      "linux/amd64* (+3), linux/arm64, linux/arm* (+2), linux/ppc64le, (5 more)"
    )
  })

  it("groups non-major keys with variants too (example 31)", () => {
    const input = "linux/arm64, linux/arm/v7, linux/arm/v6, linux/mips64le/softfloat, linux/mips64le/hardfloat"
    expect(truncatePlatforms(split(input))).toBe("linux/arm64, linux/arm (+2), linux/mips64le (+2)")
  })

  it("counts entries that do not parse as more", () => {
    expect(truncatePlatforms(["linux/amd64", "not a/platform!"])).toBe("linux/amd64, (1 more)")
  })
})

describe("renderLs table", () => {
  it("prints the default table byte for byte with trailing spaces (example 52)", () => {
    const { stdout, stderr } = ls([mybuilder(), defaultBuilder()])
    const lines = stdout.split("\n")
    expect(lines).toEqual([
      "NAME/NODE        DRIVER/ENDPOINT                   STATUS    BUILDKIT   PLATFORMS",
      `mybuilder*       docker-container${" ".repeat(39)}`,
      " \\_ mybuilder0    \\_ unix:///var/run/docker.sock   running   v0.12.5    linux/amd64 (+3), linux/386",
      `default          docker${" ".repeat(49)}`,
      " \\_ default       \\_ default                       running   v0.13.2    linux/amd64, linux/386",
      ""
    ])
    expect(lines[1]?.length).toBe(17 + 34 + 10 + 11)
    expect(stderr).toBe("")
  })

  it("stars user-set platforms and truncates only unless no-trunc is given", () => {
    const builder = mybuilder({ storedPlatforms: platforms("linux/arm64") })
    const truncated = ls([builder]).stdout.split("\n")[2]
    expect(truncated?.endsWith("linux/amd64 (+3), linux/arm64*, linux/386")).toBe(true)
    const full = ls([builder], "table", true).stdout.split("\n")[2]
    expect(full?.endsWith("linux/arm64*, linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386")).toBe(true)
  })

  it("moves builders with errors after the others and skips their nodes", () => {
    const failed = loadedBuilder("aaa", "", [zeroNode("aaa")], { error: unreachable })
    const { stdout, stderr } = ls([failed, mybuilder()], "table {{.Name}}\\t{{.Status}}\\t{{.Error}}")
    expect(stdout.split("\n")).toEqual([
      "NAME/NODE        STATUS    <no value>",
      "mybuilder*                 ",
      " \\_ mybuilder0   running   ",
      "aaa              error     Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
      ""
    ])
    expect(stderr).toBe(
      "\nCannot load builder aaa: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"
    )
  })

  it("shows an errored node with its platforms and reports it on stderr, trimmed", () => {
    const builder = loadedBuilder("broken", "remote", [brokenNode()])
    const { stdout, stderr } = ls([builder], "table", false, "default")
    expect(stdout.split("\n")[2]).toBe(" \\_ broken0    \\_ tcp://10.0.0.9:1234   error                linux/arm64*")
    expect(stderr).toBe(
      "\nFailed to get status for broken (broken0): dial tcp 10.0.0.9:1234: connect: connection refused\n"
    )
  })

  it("renders the last activity column and literal newlines of custom tables", () => {
    // Each `--` line has no tab, so it ends the column block: every row is aligned on its own.
    const { stdout } = ls([mybuilder()], "table {{.Name}}\\t{{.LastActivity}}\\n--")
    expect(stdout.split("\n")).toEqual([
      "NAME/NODE   LAST ACTIVITY",
      "--",
      "mybuilder*   2024-05-06T07:08:09Z",
      "--",
      " \\_ mybuilder0   ",
      "--",
      ""
    ])
  })

  it("prints only the header for no builders and accepts json of a header field", () => {
    expect(ls([], "table {{json .Name}}\\t{{.Buildkit}}").stdout).toBe("NAME/NODE   BUILDKIT\n")
    expect(ls([mybuilder()], "table {{json .Name}}").stdout.split("\n")[1]).toBe('"mybuilder*"')
  })
})

describe("renderLs raw templates", () => {
  it("prints one line per row without star, indent or alignment (example 54)", () => {
    const docs = loadedBuilder("elated_tesla", "docker-container", [
      runningNode("elated_tesla", { name: "elated_tesla0", endpoint: "unix:///var/run/docker.sock" })
    ])
    const { stdout, stderr } = ls([docs, defaultBuilder()], "{{.Name}}: {{.DriverEndpoint}}", false, "elated_tesla")
    expect(stdout).toBe(
      "elated_tesla: docker-container\nelated_tesla0: unix:///var/run/docker.sock\ndefault: docker\ndefault: default\n"
    )
    expect(stderr).toBe("")
  })

  it("exposes status, buildkit, untruncated platforms, last activity and error", () => {
    const builder = mybuilder({ storedPlatforms: platforms("linux/amd64") })
    const { stdout } = ls([builder], "{{.Status}}|{{.Buildkit}}|{{.Platforms}}|{{.LastActivity}}|{{.Error}}")
    expect(stdout.split("\n")).toEqual([
      "|||2024-05-06T07:08:09Z|",
      "running|v0.12.5|linux/amd64*, linux/amd64/v2, linux/amd64/v3, linux/386||",
      ""
    ])
  })

  it("gives node errors untrimmed in the error field and writes no trailer", () => {
    const builder = loadedBuilder("broken", "remote", [brokenNode()])
    const { stdout, stderr } = ls([builder], "{{.Name}}={{.Error}}")
    expect(stdout).toBe("broken=\nbroken0=dial tcp 10.0.0.9:1234: connect: connection refused\n\n")
    expect(stderr).toBe("")
  })

  it("supports spaces, trim markers and json of a field without html escaping", () => {
    const node = { name: "n<0>", endpoint: "tcp://a&b" }
    const builder = loadedBuilder("b", "remote", [runningNode("b", node)])
    expect(ls([builder], "{{ .Name }} {{- json .DriverEndpoint -}} !", false, "").stdout).toBe(
      'b"remote"!\nn<0>"tcp://a&b"!\n'
    )
  })

  it("prints the builder object on every row for {{json .}}", () => {
    const { stdout } = ls([mybuilder()], "{{json .}}")
    const [first, second, rest] = stdout.split("\n")
    expect(first).toBe(
      '{"Current":true,"Driver":"docker-container","Dynamic":false,"LastActivity":"2024-05-06T07:08:09Z","Name":"mybuilder",' +
        '"Nodes":[{"Endpoint":"unix:///var/run/docker.sock","Name":"mybuilder0",' +
        '"Platforms":["linux/amd64","linux/amd64/v2","linux/amd64/v3","linux/386"],"Status":"running","Version":"v0.12.5"}]}'
    )
    expect(second).toBe(first)
    expect(rest).toBe("")
  })
})

describe("renderLs json", () => {
  it("prints the documented line for a running builder (example 53)", () => {
    const builder = mybuilder({
      buildkitdFlags: ["--allow-insecure-entitlement=network.host"],
      ids: ["qwe3nm5wxu6z7y0o"]
    })
    expect(ls([builder, defaultBuilder()], "json").stdout.split("\n")[0]).toBe(
      '{"Current":true,"Driver":"docker-container","Dynamic":false,"LastActivity":"2024-05-06T07:08:09Z","Name":"mybuilder","Nodes":[{"Endpoint":"unix:///var/run/docker.sock","Flags":["--allow-insecure-entitlement=network.host"],"IDs":["qwe3nm5wxu6z7y0o"],"Name":"mybuilder0","Platforms":["linux/amd64","linux/amd64/v2","linux/amd64/v3","linux/386"],"Status":"running","Version":"v0.12.5"}]}'
    )
  })

  it("prints one line per builder, zero nodes of a failed builder and the zero time", () => {
    const failed = loadedBuilder("aaa", "", [zeroNode("aaa"), zeroNode("aaa")], { error: unreachable })
    const { stdout, stderr } = ls([failed, defaultBuilder()], "json")
    expect(stdout.split("\n")).toEqual([
      '{"Current":false,"Driver":"docker","Dynamic":false,"LastActivity":"0001-01-01T00:00:00Z","Name":"default","Nodes":[{"Endpoint":"default","Name":"default","Platforms":["linux/amd64","linux/386"],"Status":"running","Version":"v0.13.2"}]}',
      '{"Current":false,"Driver":"","Dynamic":false,"Err":"Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?","LastActivity":"0001-01-01T00:00:00Z","Name":"aaa","Nodes":[{"Endpoint":"","Name":""},{"Endpoint":"","Name":""}]}',
      ""
    ])
    expect(stderr).toBe("")
  })

  it("writes null nodes for a builder never loaded", () => {
    const never = loadedBuilder("idle", "docker-container", undefined)
    expect(goJson(builderJson(never, false))).toBe(
      '{"Current":false,"Driver":"docker-container","Dynamic":false,"LastActivity":"0001-01-01T00:00:00Z","Name":"idle","Nodes":null}'
    )
  })

  it("serializes every node field with go's names, escapes and gc rule keys", () => {
    const node = runningNode("full", {
      name: "full0",
      endpoint: "kubernetes:///full?deployment=full0&kubeconfig=",
      driverOpts: { namespace: "ci", image: "moby/buildkit:<tag>" },
      files: { "buildkitd.toml": new TextEncoder().encode("debug = true\n") },
      proxyConfig: { HTTP_PROXY: "http://p:3128" },
      labels: { "org.mobyproject.buildkit.worker.executor": "oci" },
      gcPolicy: [
        { all: false, filter: [], keepDuration: 172800e9, reservedSpace: 0, maxUsedSpace: 512000000, minFreeSpace: 0 },
        {
          all: true,
          filter: ["type==source.local"],
          keepDuration: 0,
          reservedSpace: 1,
          maxUsedSpace: 2,
          minFreeSpace: 3
        }
      ],
      cdiDevices: [{ name: "gpu", autoAllow: true, onDemand: false, annotations: {} }],
      error: NodeStepError.make({
        step: "getting version",
        failure: DriverError.make({ driver: "kubernetes", detail: "boom " })
      })
    })
    const builder = loadedBuilder("full", "kubernetes", [node], {
      nodeGroup: { name: "full", driver: "kubernetes", dynamic: true, nodes: [] },
      lastActivity: new Date("2024-05-06T07:08:09.250Z")
    })
    expect(goJson(builderJson(builder, false))).toBe(
      '{"Current":false,"Driver":"kubernetes","Dynamic":true,"LastActivity":"2024-05-06T07:08:09.25Z","Name":"full","Nodes":[{"DriverOpts":{"image":"moby/buildkit:\\u003ctag\\u003e","namespace":"ci"},"Endpoint":"kubernetes:///full?deployment=full0\\u0026kubeconfig=","Err":"getting version: boom","Files":{"buildkitd.toml":"ZGVidWcgPSB0cnVlCg=="},"GCPolicy":[{"all":false,"filter":null,"keepDuration":172800000000000,"maxUsedSpace":512000000,"minFreeSpace":0,"reservedSpace":0},{"all":true,"filter":["type==source.local"],"keepDuration":0,"maxUsedSpace":2,"minFreeSpace":3,"reservedSpace":1}],"Labels":{"org.mobyproject.buildkit.worker.executor":"oci"},"Name":"full0","ProxyConfig":{"HTTP_PROXY":"http://p:3128"},"Status":"error"}]}'
    )
  })
})

describe("renderLs templates it cannot run", () => {
  const unsupported = (format: string) => {
    const result = renderLs([mybuilder()], { format, noTrunc: false, current: undefined })
    return Either.isLeft(result) ? result.left : undefined
  }

  it("rejects unknown fields, nested fields, functions and control structures with the construct", () => {
    expect(unsupported("{{.Foo}}")?.construct).toBe("{{.Foo}}")
    expect(unsupported("{{.Name}} {{.Builder.Name}}")?.construct).toBe("{{.Builder.Name}}")
    expect(unsupported("{{upper .Name}}")?.construct).toBe("{{upper .Name}}")
    expect(unsupported("{{if .Error}}x{{end}}")?.construct).toBe("{{if .Error}}")
    expect(unsupported("{{.}}")?.construct).toBe("{{.}}")
  })

  it("rejects an unclosed action", () => {
    const error = unsupported("{{.Name")
    expect(error?._tag).toBe("UnsupportedTemplate")
    expect(error?.template).toBe("{{.Name")
    expect(error?.construct).toBe("{{.Name")
  })

  it("rejects json of the header map in a table", () => {
    expect(unsupported("table {{json .}}")?.construct).toBe("{{json .}}")
    expect(unsupported("table {{json .Error}}")?.construct).toBe("{{json .Error}}")
  })

  it("names the template and the construct in its message", () => {
    expect(unsupported("{{.Foo}}")?.message).toContain('"{{.Foo}}"')
  })
})

describe("lsErrorTrailer", () => {
  it("lists failed builders then failed nodes in row order", () => {
    const failed = loadedBuilder("zzz", "", [zeroNode("zzz")], { error: unreachable })
    const broken = loadedBuilder("broken", "remote", [brokenNode(), runningNode("broken", { name: "ok0" })])
    expect(lsErrorTrailer(lsOrder([failed, broken, defaultBuilder()]))).toBe(
      "\nFailed to get status for broken (broken0): dial tcp 10.0.0.9:1234: connect: connection refused\n" +
        "Cannot load builder zzz: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"
    )
  })

  it("is empty when nothing failed", () => {
    expect(lsErrorTrailer([mybuilder(), defaultBuilder()])).toBe("")
  })
})

describe("builderJson nodes", () => {
  it("is null for an empty builder that loaded and a list for one that failed", () => {
    const empty = loadedBuilder("empty", "remote", [])
    expect(goJson(builderJson(empty, false))).toContain('"Name":"empty","Nodes":null}')
    const failed = { ...empty, error: DriverError.make({ driver: "x", detail: 'failed to find driver "x"' }) }
    expect(goJson(builderJson(failed, false))).toContain('"Name":"empty","Nodes":[]}')
  })
})
