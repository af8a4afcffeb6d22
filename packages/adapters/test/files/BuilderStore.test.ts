import { mkdir } from "node:fs/promises"
import * as Path from "node:path"
import { BuilderStoreLive, decodeNodeGroup, defaultsHash, resolveBuildxDir } from "@buildlens/adapters/files"
import { BuilderStore, validateBuilderName } from "@buildlens/core"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { put, removeDir, snapshot, tempDir } from "./support.js"

// Instance files exactly as buildx's json.Marshal writes them (Go field order, `&` as \u0026, base64 Files).
const k8sJson =
  '{"Name":"k8s","Driver":"kubernetes","Nodes":[{"Name":"k8s0","Endpoint":"kubernetes:///k8s?deployment=k8s0\\u0026kubeconfig=","Platforms":null,"DriverOpts":{"namespace":"ci"},"Flags":["--allow-insecure-entitlement=network.host"],"Files":null}],"Dynamic":false}'
const myBuilderJson =
  '{"Name":"MyBuilder","Driver":"docker-container","Nodes":[{"Name":"mybuilder0","Endpoint":"unix:///var/run/docker.sock","Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"arm","os":"linux","variant":"v7"}],"DriverOpts":{"image":"moby/buildkit:v0.12.5"},"Flags":null,"Files":{"buildkitd.toml":"ZGVidWcgPSB0cnVlCg=="}}],"Dynamic":false}'
// Written by hand with lower-case keys: Go decodes it all the same.
const lowerKeysJson =
  '{"name":"lowerkeys","driver":"remote","nodes":[{"name":"n","endpoint":"tcp://1.2.3.4:1234","FLAGS":["--debug"]}],"dynamic":true}'

/** Runs an effect against the store of dir and checks that nothing under root changed. */
const withStore = async <A, E>(
  root: string,
  dir: string,
  use: (store: typeof BuilderStore.Service) => Effect.Effect<A, E>
): Promise<Either.Either<A, E>> => {
  const before = await snapshot(root)
  const value = await Effect.runPromise(
    Effect.flatMap(BuilderStore, use).pipe(
      Effect.either,
      Effect.provide(BuilderStoreLive({ configDir: "/unused", env: { BUILDX_CONFIG: dir } }))
    )
  )
  expect(await snapshot(root)).toEqual(before)
  return value
}

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected success, got ${String((e.left as Error).message)}`)
  return e.right
}
const leftMessage = <A, E>(e: Either.Either<A, E>): string =>
  Either.isLeft(e) ? (e.left as Error).message : `no error: ${JSON.stringify(e.right)}`

describe("builder names", () => {
  it("rejects names buildx rejects (SPEC example 39)", () => {
    const bad = validateBuilderName("123builder")
    expect(Either.isLeft(bad) && bad.left.message).toBe(
      "invalid name 123builder, name needs to start with a letter and may not contain symbols, except ._-"
    )
    const slash = validateBuilderName("foo/bar")
    expect(Either.isLeft(slash) && slash.left.message).toContain("invalid name")
    expect(Either.isLeft(validateBuilderName("a+b"))).toBe(true)
    expect(Either.isLeft(validateBuilderName("ok\n"))).toBe(true)
  })

  it("lower-cases valid names for the instance file (SPEC example 43)", () => {
    expect(validateBuilderName("MyBuilder")).toEqual(Either.right("mybuilder"))
    expect(validateBuilderName("a.b-c_D9")).toEqual(Either.right("a.b-c_d9"))
  })
})

describe("store paths", () => {
  it("hashes defaults keys to 20 hex digits (SPEC example 42)", () => {
    expect(defaultsHash("unix:///var/run/docker.sock")).toBe("13c4025c96f36e94b348")
  })

  it("uses BUILDX_CONFIG verbatim, else <configdir>/buildx", () => {
    expect(resolveBuildxDir({ configDir: "/c/", env: { BUILDX_CONFIG: "rel/bx/" } })).toBe("rel/bx/")
    expect(resolveBuildxDir({ configDir: "/c/", env: { BUILDX_CONFIG: "" } })).toBe("/c/buildx")
  })
})

describe("decodeNodeGroup", () => {
  const bytes = (s: string) => new TextEncoder().encode(s)

  it("decodes buildx's stored json with files and platforms", () => {
    const ng = Either.getOrThrow(decodeNodeGroup(bytes(myBuilderJson)))
    expect(ng.name).toBe("MyBuilder")
    expect(ng.nodes[0]?.platforms).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm", os: "linux", variant: "v7" }
    ])
    expect(new TextDecoder().decode(ng.nodes[0]?.files["buildkitd.toml"])).toBe("debug = true\n")
    expect(ng.nodes[0]?.buildkitdFlags).toEqual([])
  })

  it("unescapes go's html escapes", () => {
    const ng = Either.getOrThrow(decodeNodeGroup(bytes(k8sJson)))
    expect(ng.nodes[0]?.endpoint).toBe("kubernetes:///k8s?deployment=k8s0&kubeconfig=")
  })

  it("fails with go's texts", () => {
    expect(decodeNodeGroup(bytes('{"Name":"x",'))).toEqual(Either.left("unexpected end of JSON input"))
    expect(decodeNodeGroup(bytes('{"Name":"x","Nodes":[{"Files":{"f":"!"}}]}'))).toEqual(
      Either.left("illegal base64 data at input byte 0")
    )
    expect(decodeNodeGroup(bytes('{"Name":"x","Dynamic":"yes"}'))).toEqual(
      Either.left("json: cannot unmarshal string into Go struct field NodeGroup.Dynamic of type bool")
    )
  })
})

describe("builder store on a buildx-shaped folder", () => {
  let root = ""
  let store = ""
  beforeAll(async () => {
    root = await tempDir("store")
    store = Path.join(root, "buildx")
    await put(Path.join(store, "instances", "k8s"), k8sJson)
    await put(Path.join(store, "instances", "mybuilder"), myBuilderJson)
    await put(Path.join(store, "instances", "lowerkeys"), lowerKeysJson)
    // An upper-case file name cannot be found by the lower-cased lookup: buildx deletes it, we skip it.
    await put(Path.join(store, "instances", "Upper"), '{"Name":"Upper","Driver":"docker-container","Nodes":null}')
    await put(Path.join(store, "activity", "MyBuilder"), "2024-05-06T07:08:09Z")
    await put(Path.join(store, "activity", "k8s"), "0001-01-01T00:00:00Z")
    await put(Path.join(store, "activity", "default"), "2023-01-02T03:04:05Z")
    await put(Path.join(store, "current"), '{"Key":"unix:///var/run/docker.sock","Name":"k8s","Global":false}')
    await put(Path.join(store, "defaults", "13c4025c96f36e94b348"), "mybuilder")
  })
  afterAll(async () => {
    await removeDir(root)
  })

  it("lists instances sorted by their json name, skipping what the lookup cannot find", async () => {
    const list = right(await withStore(root, store, (s) => s.list))
    expect(list.map((b) => b.nodeGroup.name)).toEqual(["MyBuilder", "k8s", "lowerkeys"])
    expect(list[0]?.lastActivity).toEqual(new Date("2024-05-06T07:08:09Z"))
    // Go's zero time means "never".
    expect(list[1]?.lastActivity).toBeUndefined()
    expect(list[2]?.nodeGroup).toEqual({
      name: "lowerkeys",
      driver: "remote",
      dynamic: true,
      nodes: [
        {
          name: "n",
          endpoint: "tcp://1.2.3.4:1234",
          platforms: [],
          driverOpts: {},
          buildkitdFlags: ["--debug"],
          files: {}
        }
      ]
    })
  })

  it("looks instances up case-insensitively and activity by json name", async () => {
    const found = right(await withStore(root, store, (s) => s.byName("MYBUILDER")))
    expect(found?.nodeGroup.name).toBe("MyBuilder")
    expect(found?.lastActivity).toEqual(new Date("2024-05-06T07:08:09Z"))
    expect(right(await withStore(root, store, (s) => s.byName("upper")))).toBeUndefined()
    expect(right(await withStore(root, store, (s) => s.byName("nothere")))).toBeUndefined()
  })

  it("refuses invalid names on lookup", async () => {
    const result = await withStore(root, store, (s) => s.byName("123builder"))
    expect(Either.isLeft(result) && result.left._tag).toBe("InvalidBuilderName")
  })

  it("reads activity of context builders, current and defaults", async () => {
    const [activity, none, current, def, noDef] = right(
      await withStore(root, store, (s) =>
        Effect.all([
          s.activity("default"),
          s.activity("other"),
          s.current,
          s.defaultFor("unix:///var/run/docker.sock"),
          s.defaultFor("other")
        ])
      )
    )
    expect(activity).toEqual(new Date("2023-01-02T03:04:05Z"))
    expect(none).toBeUndefined()
    expect(current).toEqual({ key: "unix:///var/run/docker.sock", name: "k8s", global: false })
    expect(def).toBe("mybuilder")
    expect(noDef).toBeUndefined()
  })
})

describe("builder store failures", () => {
  let root = ""
  beforeAll(async () => {
    root = await tempDir("store-bad")
  })
  afterAll(async () => {
    await removeDir(root)
  })

  it("treats a missing store as empty and creates nothing", async () => {
    const dir = Path.join(root, "missing")
    const [list, current, def] = right(
      await withStore(root, dir, (s) => Effect.all([s.list, s.current, s.defaultFor("k")]))
    )
    expect(list).toEqual([])
    expect(current).toBeUndefined()
    expect(def).toBeUndefined()
  })

  it("fails the list on bad json in any instance", async () => {
    const dir = Path.join(root, "badjson")
    await put(Path.join(dir, "instances", "good"), '{"Name":"good"}')
    await put(Path.join(dir, "instances", "zbad"), '{"Name":"zbad","Nodes":[}')
    expect(leftMessage(await withStore(root, dir, (s) => s.list))).toBe(
      "invalid character '}' looking for beginning of value"
    )
  })

  it("fails the list on a directory in instances", async () => {
    const dir = Path.join(root, "withdir")
    await mkdir(Path.join(dir, "instances", "adir"), { recursive: true })
    expect(leftMessage(await withStore(root, dir, (s) => s.list))).toBe(`read ${dir}/instances/adir: is a directory`)
  })

  it("fails the list when instances is a file, with go's readdirent text", async () => {
    const dir = Path.join(root, "instancesfile")
    await put(Path.join(dir, "instances"), "")
    expect(leftMessage(await withStore(root, dir, (s) => s.list))).toBe(`readdirent ${dir}/instances: not a directory`)
  })

  it("fails the list on an entry with an invalid name", async () => {
    const dir = Path.join(root, "badname")
    await put(Path.join(dir, "instances", "1bad"), '{"Name":"1bad"}')
    const result = await withStore(root, dir, (s) => s.list)
    expect(Either.isLeft(result) && result.left._tag).toBe("InvalidBuilderName")
  })

  it("fails the list on an unparsable activity time", async () => {
    const dir = Path.join(root, "badactivity")
    await put(Path.join(dir, "instances", "b"), '{"Name":"b"}')
    await put(Path.join(dir, "activity", "b"), "2024-05-06T07:08:09Z\n")
    expect(leftMessage(await withStore(root, dir, (s) => s.list))).toBe(
      'parsing time "2024-05-06T07:08:09Z\\x0a": extra text: "\\x0a"'
    )
    await put(Path.join(dir, "activity", "b"), "yesterday")
    expect(leftMessage(await withStore(root, dir, (s) => s.list))).toBe(
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'
    )
  })

  it("fails an instance without a name the way buildx does, reading the activity folder", async () => {
    const dir = Path.join(root, "noname")
    await put(Path.join(dir, "instances", "anon"), '{"Driver":"docker-container"}')
    expect(leftMessage(await withStore(root, dir, (s) => s.list))).toBe(`read ${dir}/activity: is a directory`)
  })

  it("reports a bad current file with go's json text", async () => {
    const dir = Path.join(root, "badcurrent")
    await put(Path.join(dir, "current"), '{"Key":"k","Name":"n","Global":"no"}')
    expect(leftMessage(await withStore(root, dir, (s) => s.current))).toBe(
      "json: cannot unmarshal string into Go struct field current.Global of type bool"
    )
  })

  it("keeps the raw bytes of a defaults file, newline included", async () => {
    const dir = Path.join(root, "rawdefault")
    await put(Path.join(dir, "defaults", defaultsHash("k")), "name\n")
    expect(right(await withStore(root, dir, (s) => s.defaultFor("k")))).toBe("name\n")
  })
})
