import { chmod, mkdir } from "node:fs/promises"
import * as Path from "node:path"
import {
  cliDaemonHost,
  decodeDockerConfig,
  emptyDockerConfig,
  loadDockerConfig,
  proxyConfigFor,
  resolveConfigDir,
  resolveContextName
} from "@buildlens/adapters/files"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { put, removeDir, snapshot, tempDir } from "./support.js"

const decode = (s: string) => decodeDockerConfig(new TextEncoder().encode(s))

describe("resolveConfigDir", () => {
  it("prefers the flag, then DOCKER_CONFIG, then home", () => {
    expect(resolveConfigDir({ flag: "/a/b/", env: "/env", home: "/h" })).toBe("/a/b")
    expect(resolveConfigDir({ flag: "", env: "/env/", home: "/h" })).toBe("/env/")
    expect(resolveConfigDir({ env: "", home: "/h" })).toBe("/h/.docker")
    expect(resolveConfigDir({ flag: "rel//x/../y", home: "/h" })).toBe("rel/y")
  })
})

describe("decodeDockerConfig", () => {
  it("matches keys case-insensitively and ignores unknown ones", () => {
    const { config, error } = decode(
      '{"CURRENTCONTEXT":"ctx","Proxies":{"default":{"HTTPPROXY":"http://p:3128","noproxy":"localhost"}},"x":[1]}'
    )
    expect(error).toBeUndefined()
    expect(config.currentContext).toBe("ctx")
    expect(config.proxies.default).toEqual({
      httpProxy: "http://p:3128",
      httpsProxy: "",
      noProxy: "localhost",
      ftpProxy: "",
      allProxy: ""
    })
  })

  it("treats an empty file as an empty config", () => {
    expect(decode(" \n")).toEqual({ config: emptyDockerConfig })
  })

  it("ignores bytes after the first value as go's decoder does", () => {
    expect(decode('{"currentContext":"a"} {oops')).toEqual({ config: { currentContext: "a", proxies: {} } })
  })

  it("drops everything after a syntax error", () => {
    expect(decode('{"currentContext":"a",')).toEqual({ config: emptyDockerConfig, error: "unexpected EOF" })
    expect(decode("{'a':1}")).toEqual({
      config: emptyDockerConfig,
      error: "invalid character '\\'' looking for beginning of object key string"
    })
  })

  it("keeps the partially decoded config after a type error", () => {
    expect(decode('{"currentContext":"a","psFormat":1}')).toEqual({
      config: { currentContext: "a", proxies: {} },
      error: "json: cannot unmarshal number into Go struct field ConfigFile.psFormat of type string"
    })
    expect(decode('{"proxies":{"default":{"httpProxy":1}}}').error).toBe(
      "json: cannot unmarshal number into Go struct field ProxyConfig.proxies.httpProxy of type string"
    )
  })

  it("checks auth entries as docker does", () => {
    expect(decode('{"auths":{"r":{"auth":"!!"}}}').error).toBe("illegal base64 data at input byte 0")
    expect(decode('{"auths":{"r":{"auth":"OnB3"}}}').error).toBe("invalid auth configuration file")
    expect(decode('{"auths":{"r":{"auth":"dTpwdw=="}}}').error).toBeUndefined()
  })
})

describe("loadDockerConfig", () => {
  let root = ""
  beforeEach(async () => {
    root = await tempDir("config")
  })
  afterEach(async () => {
    await chmod(Path.join(root, "cfg"), 0o755).catch(() => undefined)
    await removeDir(root)
  })

  const load = async (configDir: string) => {
    const before = await snapshot(root)
    const loaded = await Effect.runPromise(loadDockerConfig(configDir))
    expect(await snapshot(root)).toEqual(before)
    return loaded
  }

  it("loads nothing and warns nothing for a missing file", async () => {
    const loaded = await load(Path.join(root, "missing"))
    expect(loaded).toEqual({ path: Path.join(root, "missing", "config.json"), config: emptyDockerConfig, warnings: [] })
  })

  it("warns with docker's parsing text for a malformed file", async () => {
    const cfg = Path.join(root, "cfg")
    await put(Path.join(cfg, "config.json"), '{"currentContext": nope}')
    const loaded = await load(cfg)
    expect(loaded.config).toEqual(emptyDockerConfig)
    expect(loaded.warnings).toEqual([
      `WARNING: Error parsing config file (${cfg}/config.json): invalid character 'o' in literal null (expecting 'u')`
    ])
  })

  it("warns with docker's loading text for an unreadable file", async () => {
    const cfg = Path.join(root, "cfg")
    await put(Path.join(cfg, "config.json"), "{}")
    await chmod(cfg, 0o000)
    const loaded = await load(cfg)
    // Root ignores permissions; the warning only appears for other users.
    if (process.getuid?.() !== 0) {
      expect(loaded.warnings).toEqual([
        `WARNING: Error loading config file: open ${cfg}/config.json: permission denied`
      ])
    } else {
      expect(loaded.warnings).toEqual([])
    }
  })

  it("calls a directory named config.json a parse error, as go's decoder reads it", async () => {
    const cfg = Path.join(root, "cfg")
    await mkdir(Path.join(cfg, "config.json"), { recursive: true })
    const loaded = await load(cfg)
    expect(loaded.warnings).toEqual([
      `WARNING: Error parsing config file (${cfg}/config.json): read ${cfg}/config.json: is a directory`
    ])
  })

  it("reports a config folder that is a file as a loading error", async () => {
    await put(Path.join(root, "cfg"), "")
    const loaded = await load(Path.join(root, "cfg"))
    expect(loaded.warnings).toEqual([
      `WARNING: Error loading config file: open ${root}/cfg/config.json: not a directory`
    ])
  })
})

describe("proxyConfigFor", () => {
  const config = decode(
    '{"proxies":{"default":{"httpProxy":"http://p:3128","noProxy":"localhost","allProxy":"socks5://x"},' +
      '"tcp://h:2376":{"httpsProxy":"https://q"},"unix:///empty.sock":{}}}'
  ).config

  it("maps the default entry for the default socket (SPEC example 50)", () => {
    expect(proxyConfigFor(config, "unix:///var/run/docker.sock")).toEqual({
      HTTP_PROXY: "http://p:3128",
      NO_PROXY: "localhost"
    })
  })

  it("prefers the entry of the cli's daemon host, even an empty one", () => {
    expect(proxyConfigFor(config, "tcp://h:2376")).toEqual({ HTTPS_PROXY: "https://q" })
    expect(proxyConfigFor(config, "unix:///empty.sock")).toEqual({})
    expect(proxyConfigFor(emptyDockerConfig, "unix:///var/run/docker.sock")).toEqual({})
  })

  it("uses docker's placeholder host for ssh endpoints", () => {
    expect(cliDaemonHost("ssh://me@host")).toBe("http://docker.example.com")
    expect(cliDaemonHost("tcp://h:2376")).toBe("tcp://h:2376")
  })
})

describe("resolveContextName", () => {
  it("applies docker's precedence", () => {
    const all = {
      contextFlag: "flag",
      dockerHostEnv: "tcp://h",
      dockerContextEnv: "envctx",
      configCurrentContext: "cfg"
    }
    expect(resolveContextName(all)).toBe("flag")
    expect(resolveContextName({ ...all, contextFlag: "" })).toBe("default")
    expect(resolveContextName({ ...all, contextFlag: undefined, dockerHostEnv: "" })).toBe("envctx")
    expect(resolveContextName({ configCurrentContext: "cfg", dockerContextEnv: "" })).toBe("cfg")
    expect(resolveContextName({})).toBe("default")
  })
})
