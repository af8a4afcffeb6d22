import { execFileSync } from "node:child_process"
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises"
import * as Path from "node:path"
import { ContextStoreLive, contextId } from "@buildlens/adapters/files"
import { ContextStore, type ContextStoreError } from "@buildlens/core"
import { Effect, Either, Fiber, Logger, LogLevel } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dockerCli, makePems, put, removeDir, snapshot, tempDir } from "./support.js"

type Env = Record<string, string | undefined>

/** Runs an effect against the context store of configDir and checks that nothing on disk changed. */
const withStore = async <A, E>(
  root: string,
  options: { configDir: string; contextFlag?: string; env?: Env },
  use: (store: typeof ContextStore.Service) => Effect.Effect<A, E>
): Promise<{ value: Either.Either<A, E>; logs: ReadonlyArray<string> }> => {
  const before = await snapshot(root)
  const logs: Array<string> = []
  const logger = Logger.make(({ message }) => {
    logs.push(String(Array.isArray(message) ? message.join(" ") : message))
  })
  const program = Effect.flatMap(ContextStore, use).pipe(
    Effect.either,
    Effect.provide(
      ContextStoreLive({
        configDir: options.configDir,
        contextFlag: options.contextFlag,
        env: { HOME: Path.join(root, "home"), ...options.env }
      })
    ),
    Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
    Effect.provide(Logger.minimumLogLevel(LogLevel.Warning))
  )
  const value = await Effect.runPromise(program)
  expect(await snapshot(root)).toEqual(before)
  return { value, logs }
}

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected success, got ${String((e.left as Error).message ?? e.left)}`)
  return e.right
}

describe("context store on contexts made by the docker cli", () => {
  let root = ""
  let cfg = ""
  let pems = ""
  beforeAll(async () => {
    root = await tempDir("contexts")
    cfg = Path.join(root, "cfg")
    pems = Path.join(root, "pems")
    await mkdir(pems, { recursive: true })
    await mkdir(Path.join(root, "home"), { recursive: true })
    makePems(pems)
    dockerCli(root, cfg, [
      "context",
      "create",
      "mycontext",
      "--description",
      "my desc",
      "--docker",
      `host=unix://${root}/x.sock`
    ])
    dockerCli(root, cfg, ["context", "create", "desktop-linux", "--docker", `host=unix://${root}/desktop.sock`])
    dockerCli(root, cfg, [
      "context",
      "create",
      "tlsctx",
      "--docker",
      `host=tcp://127.0.0.1:2376,ca=${pems}/ca.pem,cert=${pems}/cert.pem,key=${pems}/key.pem`
    ])
    dockerCli(root, cfg, ["context", "create", "skipctx", "--docker", "host=tcp://127.0.0.1:2377,skip-tls-verify=true"])
    dockerCli(root, cfg, ["context", "create", "ctx10", "--docker", `host=unix://${root}/10.sock`])
    dockerCli(root, cfg, ["context", "create", "ctx9", "--docker", `host=unix://${root}/9.sock`])
  }, 120_000)
  afterAll(async () => {
    await removeDir(root)
  })

  it("stores contexts under the sha-256 of their name (SPEC example 42)", async () => {
    const meta = await readFile(Path.join(cfg, "contexts", "meta", contextId("desktop-linux"), "meta.json"), "utf8")
    expect(JSON.parse(meta).Name).toBe("desktop-linux")
  })

  it("lists every context docker lists, default included", async () => {
    const { value } = await withStore(root, { configDir: cfg }, (s) => s.list)
    const ours = right(value).map((c) => c.name)
    const docker = dockerCli(root, cfg, ["context", "ls", "--format", "{{.Name}}"])
      .trim()
      .split("\n")
      .map((n) => n.replace(/ \*$/, ""))
    expect([...ours].sort()).toEqual([...docker].sort())
    // Docker's own order is natural; ours keeps it with default last.
    expect(ours).toEqual(["ctx9", "ctx10", "desktop-linux", "mycontext", "skipctx", "tlsctx", "default"])
  })

  it("reads hosts, descriptions and skip-tls flags from meta.json", async () => {
    const { value } = await withStore(root, { configDir: cfg }, (s) =>
      Effect.all([s.get("mycontext"), s.get("skipctx")])
    )
    const [mine, skip] = right(value)
    expect(mine).toEqual({
      name: "mycontext",
      description: "my desc",
      docker: { host: `unix://${root}/x.sock`, skipTLSVerify: false, tls: undefined },
      kubernetes: undefined
    })
    expect(skip?.docker).toEqual({ host: "tcp://127.0.0.1:2377", skipTLSVerify: true, tls: undefined })
  })

  it("loads the tls files docker copied into the store", async () => {
    const { value } = await withStore(root, { configDir: cfg }, (s) => s.get("tlsctx"))
    const tls = right(value)?.docker?.tls
    expect(Buffer.from(tls?.ca ?? [])).toEqual(await readFile(Path.join(pems, "ca.pem")))
    expect(Buffer.from(tls?.cert ?? [])).toEqual(await readFile(Path.join(pems, "cert.pem")))
    expect(Buffer.from(tls?.key ?? [])).toEqual(await readFile(Path.join(pems, "key.pem")))
  })

  it("finds no context for an unknown or differently cased name", async () => {
    const { value } = await withStore(root, { configDir: cfg }, (s) => Effect.all([s.get("nope"), s.get("MyContext")]))
    expect(right(value)).toEqual([undefined, undefined])
  })

  it("agrees with docker context inspect on the default endpoint for tls settings", async () => {
    const certs = Path.join(root, "certs")
    await put(Path.join(certs, "ca.pem"), await readFile(Path.join(pems, "ca.pem")))
    const cases: ReadonlyArray<Record<string, string>> = [
      { DOCKER_HOST: "tcp://127.0.0.1" },
      { DOCKER_HOST: "", DOCKER_TLS: "1", DOCKER_CERT_PATH: certs },
      { DOCKER_HOST: "tcp://127.0.0.1:1", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs },
      { DOCKER_HOST: "", DOCKER_TLS_VERIFY: "0", DOCKER_CERT_PATH: certs }
    ]
    for (const env of cases) {
      const docker = JSON.parse(
        dockerCli(root, cfg, ["context", "inspect", "default", "--format", "{{json .Endpoints.docker}}"], env)
      )
      const { value } = await withStore(root, { configDir: cfg, env }, (s) => s.get("default"))
      const ours = right(value)?.docker
      expect({ env, host: ours?.host, skip: ours?.skipTLSVerify }).toEqual({
        env,
        host: docker.Host,
        skip: docker.SkipTLSVerify
      })
      expect(ours?.tls === undefined).toBe(env.DOCKER_TLS === undefined && env.DOCKER_TLS_VERIFY === undefined)
    }
  })

  it("reads the default context's ca from DOCKER_CONFIG, not the --config folder", async () => {
    const envCfg = Path.join(root, "envcfg")
    await put(Path.join(envCfg, "ca.pem"), "CA")
    const { value } = await withStore(
      root,
      { configDir: cfg, env: { DOCKER_TLS_VERIFY: "1", DOCKER_CONFIG: envCfg } },
      (s) => s.get("default")
    )
    expect(right(value)?.docker?.tls).toEqual({ ca: new TextEncoder().encode("CA"), cert: undefined, key: undefined })
  })

  it("fails the default context, and so the listing, when tls is on and the ca file is missing", async () => {
    const { value } = await withStore(root, { configDir: cfg, env: { DOCKER_TLS_VERIFY: "1" } }, (s) =>
      Effect.all([Effect.either(s.get("default")), Effect.either(s.list), Effect.either(s.get("mycontext"))])
    )
    const text = `open ${root}/home/.docker/ca.pem: no such file or directory`
    // docker's List appends the resolved default context, so its failure fails every lookup by name.
    for (const outcome of right(value)) {
      expect(Either.isLeft(outcome) && (outcome.left as ContextStoreError).message).toBe(text)
    }
  })

  it("fails listing on a DOCKER_HOST docker cannot parse", async () => {
    const { value } = await withStore(root, { configDir: cfg, env: { DOCKER_HOST: "foo://x" } }, (s) => s.list)
    expect(Either.isLeft(value) && value.left.message).toBe("invalid bind address format: foo://x")
  })

  it("picks the current name by docker's precedence", async () => {
    const config = Path.join(root, "cfgcur")
    await put(Path.join(config, "config.json"), '{"CurrentContext":"fromconfig"}')
    const name = async (contextFlag: string | undefined, env: Env) =>
      right(
        (
          await withStore(root, { configDir: config, ...(contextFlag ? { contextFlag } : {}), env }, (s) =>
            Effect.succeed(s.currentName)
          )
        ).value
      )
    expect(await name("flag", { DOCKER_HOST: "tcp://h", DOCKER_CONTEXT: "env" })).toBe("flag")
    expect(await name(undefined, { DOCKER_HOST: "tcp://h", DOCKER_CONTEXT: "env" })).toBe("default")
    expect(await name(undefined, { DOCKER_CONTEXT: "env" })).toBe("env")
    expect(await name(undefined, {})).toBe("fromconfig")
  })
})

describe("context store on hand-written meta files", () => {
  let root = ""
  beforeAll(async () => {
    root = await tempDir("meta")
  })
  afterAll(async () => {
    await removeDir(root)
  })

  const metaPath = (cfg: string, dir: string) => Path.join(cfg, "contexts", "meta", dir, "meta.json")

  it("matches meta.json keys case-insensitively and endpoint names exactly", async () => {
    const cfg = Path.join(root, "keys")
    await put(
      metaPath(cfg, contextId("lower")),
      '{"name":"lower","metadata":{"description":"ignored","Description":"kept"},' +
        '"endpoints":{"docker":{"host":"unix:///l.sock","SKIPTLSVERIFY":true},"Docker":{"Host":"x"},' +
        '"kubernetes":{"Host":"https://k:6443","DefaultNamespace":"ns","skipTLSVerify":true}}}'
    )
    await put(Path.join(cfg, "contexts", "tls", contextId("lower"), "kubernetes", "ca.pem"), "KCA")
    const { value } = await withStore(root, { configDir: cfg }, (s) => s.get("lower"))
    expect(right(value)).toEqual({
      name: "lower",
      description: "kept",
      docker: { host: "unix:///l.sock", skipTLSVerify: true, tls: undefined },
      // A docker client only loads the docker endpoint's bundle (docker.WithTLSData).
      kubernetes: { host: "https://k:6443", skipTLSVerify: true, defaultNamespace: "ns", tls: undefined }
    })
  })

  it("finds contexts in nested folders by the name inside meta.json", async () => {
    const cfg = Path.join(root, "nested")
    await put(metaPath(cfg, "a/b"), '{"Name":"deep","Endpoints":{"docker":{"Host":"tcp://d:1"}}}')
    await mkdir(Path.join(cfg, "contexts", "meta", "c", "meta.json"), { recursive: true })
    await put(Path.join(cfg, "contexts", "meta", "stray-file"), "x")
    const { value } = await withStore(root, { configDir: cfg }, (s) => s.list)
    expect(right(value).map((c) => [c.name, c.docker?.host])).toEqual([
      ["deep", "tcp://d:1"],
      ["default", "unix:///var/run/docker.sock"]
    ])
  })

  it("fails the whole listing on a malformed meta.json", async () => {
    const cfg = Path.join(root, "broken")
    await put(metaPath(cfg, contextId("good")), '{"Name":"good","Endpoints":{"docker":{"Host":"tcp://g:1"}}}')
    await put(metaPath(cfg, "zzz"), '{"Name":"bad",}')
    const { value } = await withStore(root, { configDir: cfg }, (s) =>
      Effect.all([Effect.either(s.list), Effect.either(s.get("good"))])
    )
    const [list, get] = right(value)
    const text = `failed to read metadata: parsing ${metaPath(cfg, "zzz")}: invalid character '}' looking for beginning of object key string`
    expect(Either.isLeft(list) && list.left.message).toBe(text)
    // Lookups go through the listing as buildx's GetDockerEndpoint does.
    expect(Either.isLeft(get) && get.left.message).toBe(text)
  })

  it("reports type errors in endpoints with go's text", async () => {
    const cfg = Path.join(root, "typed")
    await put(metaPath(cfg, "x"), '{"Name":"t","Endpoints":{"docker":{"Host":1}}}')
    const { value } = await withStore(root, { configDir: cfg }, (s) => s.list)
    expect(Either.isLeft(value) && value.left.message).toBe(
      `failed to read metadata: parsing ${metaPath(cfg, "x")}: json: cannot unmarshal number into Go struct field EndpointMetaBase.Host of type string`
    )
  })

  it("warns about unknown files in a tls bundle and ignores them", async () => {
    const cfg = Path.join(root, "unknown-tls")
    await put(metaPath(cfg, contextId("u")), '{"Name":"u","Endpoints":{"docker":{"Host":"tcp://u:1"}}}')
    await put(Path.join(cfg, "contexts", "tls", contextId("u"), "docker", "ca.pem"), "CA")
    await put(Path.join(cfg, "contexts", "tls", contextId("u"), "docker", "extra.txt"), "?")
    const { value, logs } = await withStore(root, { configDir: cfg }, (s) => s.get("u"))
    expect(right(value)?.docker?.tls).toEqual({ ca: new TextEncoder().encode("CA"), cert: undefined, key: undefined })
    expect(logs).toEqual(["unknown file in context u TLS bundle: extra.txt"])
  })

  it("reads no tls bundle while listing and warns once per context however often it is asked", async () => {
    const cfg = Path.join(root, "tls-once")
    await put(metaPath(cfg, contextId("u")), '{"Name":"u","Endpoints":{"docker":{"Host":"tcp://u:1"}}}')
    await put(Path.join(cfg, "contexts", "tls", contextId("u"), "docker", "extra.txt"), "?")
    // A bundle file that cannot be read (a link to a folder): listing must not touch it, as docker's List
    // reads metadata only.
    await put(metaPath(cfg, contextId("broken")), '{"Name":"broken","Endpoints":{"docker":{"Host":"tcp://b:1"}}}')
    await mkdir(Path.join(cfg, "contexts", "tls", contextId("broken"), "docker"), { recursive: true })
    await symlink(".", Path.join(cfg, "contexts", "tls", contextId("broken"), "docker", "ca.pem"))
    const listOnly = await withStore(root, { configDir: cfg }, (s) => Effect.all([s.list, s.list]))
    expect(listOnly.logs).toEqual([])
    expect(right(listOnly.value)[0].map((c) => [c.name, c.docker])).toEqual([
      ["broken", { host: "tcp://b:1", skipTLSVerify: false, tls: undefined }],
      ["u", { host: "tcp://u:1", skipTLSVerify: false, tls: undefined }],
      ["default", { host: "unix:///var/run/docker.sock", skipTLSVerify: false, tls: undefined }]
    ])
    const { value, logs } = await withStore(root, { configDir: cfg }, (s) =>
      Effect.all([s.list, s.get("u"), s.get("u"), s.list, Effect.either(s.get("broken")), s.get("u")])
    )
    expect(right(value)[1]?.docker?.tls).toEqual({ ca: undefined, cert: undefined, key: undefined })
    const broken = right(value)[4]
    expect(Either.isLeft(broken) && broken.left.message).toBe(
      `failed to retrieve TLS data (ca.pem) for context "broken": failed to read TLS data for endpoint docker: ` +
        `read ${Path.join(cfg, "contexts", "tls", contextId("broken"), "docker", "ca.pem")}: is a directory`
    )
    expect(logs).toEqual(["unknown file in context u TLS bundle: extra.txt"])
  })

  it("reads the store once per layer instance", async () => {
    const cfg = Path.join(root, "read-once")
    await put(metaPath(cfg, contextId("a")), '{"Name":"a","Endpoints":{"docker":{"Host":"tcp://a:1"}}}')
    const names = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* ContextStore
        const first = yield* s.list
        const before = yield* s.get("a")
        // Changes after the first read are not seen: one run sees one consistent store.
        yield* Effect.promise(() => put(metaPath(cfg, contextId("b")), '{"Name":"b","Endpoints":{}}'))
        yield* Effect.promise(() => put(metaPath(cfg, contextId("a")), '{"Name":"a","Endpoints":{}}'))
        const second = yield* s.list
        const after = yield* s.get("a")
        return [first.map((c) => c.name), second.map((c) => c.name), before?.docker?.host, after?.docker?.host]
      }).pipe(Effect.provide(ContextStoreLive({ configDir: cfg, contextFlag: undefined, env: {} })))
    )
    expect(names).toEqual([["a", "default"], ["a", "default"], "tcp://a:1", "tcp://a:1"])
  })

  it("does not hand an interrupted first lookup to later callers", async () => {
    // Its own folder: the snapshots of the other tests would block reading the pipe.
    const own = await tempDir("fifo")
    const cfg = Path.join(own, "cfg")
    const fifo = Path.join(cfg, "contexts", "tls", contextId("slow"), "docker", "ca.pem")
    await put(metaPath(cfg, contextId("slow")), '{"Name":"slow","Endpoints":{"docker":{"Host":"tcp://s:1"}}}')
    await mkdir(Path.dirname(fifo), { recursive: true })
    // A named pipe blocks the ca.pem read until the test writes to it, so the first lookup is in flight.
    execFileSync("mkfifo", [fifo])
    const ca = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* ContextStore
        const first = yield* Effect.fork(s.get("slow"))
        yield* Effect.sleep("200 millis")
        yield* Fiber.interrupt(first)
        const second = yield* Effect.fork(s.get("slow"))
        yield* Effect.promise(() => writeFile(fifo, "CA"))
        const context = yield* Fiber.join(second)
        return new TextDecoder().decode(context?.docker?.tls?.ca)
      }).pipe(
        Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => new Error("lookup hung") }),
        Effect.provide(ContextStoreLive({ configDir: cfg, contextFlag: undefined, env: {} })),
        Effect.ensuring(Effect.promise(() => removeDir(own)))
      )
    )
    expect(ca).toBe("CA")
  })

  it("fails the lookup of a context whose docker endpoint is null with docker's text", async () => {
    const cfg = Path.join(root, "null-docker")
    await put(metaPath(cfg, contextId("n")), '{"Name":"n","Endpoints":{"docker":null}}')
    await put(metaPath(cfg, contextId("none")), '{"Name":"none","Endpoints":{}}')
    const { value } = await withStore(root, { configDir: cfg }, (s) =>
      Effect.all([s.list, Effect.either(s.get("n")), s.get("none")])
    )
    const [list, nulled, none] = right(value)
    expect(list.map((c) => [c.name, c.docker?.host])).toEqual([
      ["n", undefined],
      ["none", undefined],
      ["default", "unix:///var/run/docker.sock"]
    ])
    expect(Either.isLeft(nulled) && nulled.left.message).toBe('endpoint "docker" is not of type EndpointMeta')
    // A missing endpoint is core's `cannot find docker endpoint in context`: the context without one.
    expect(none).toEqual({ name: "none", description: "", docker: undefined, kubernetes: undefined })
  })

  it("treats a missing contexts folder as no stored contexts", async () => {
    const { value } = await withStore(root, { configDir: Path.join(root, "none") }, (s) => s.list)
    expect(right(value).map((c) => c.name)).toEqual(["default"])
    expect(right(value)[0]?.description).toBe("Current DOCKER_HOST based configuration")
  })
})

// Guards the test setup itself: docker must be there, or the contract tests above mean nothing.
describe("test prerequisites", () => {
  it("has the docker cli and openssl", () => {
    expect(execFileSync("docker", ["--version"], { encoding: "utf8" })).toMatch(/^Docker version/)
    expect(execFileSync("openssl", ["version"], { encoding: "utf8" })).toMatch(/SSL/)
  })
})
