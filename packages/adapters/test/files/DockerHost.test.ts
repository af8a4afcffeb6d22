import { execFileSync } from "node:child_process"
import * as Path from "node:path"
import { defaultDockerHost, joinHostPort, parseDockerHost, splitHostPort } from "@buildlens/adapters/files"
import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { removeDir, snapshot, tempDir } from "./support.js"

const parse = (value: string, tls = false) => parseDockerHost(value, { tls })

describe("parseDockerHost", () => {
  it("normalises the SPEC example 49 hosts", () => {
    expect(parse("")).toEqual(Either.right("unix:///var/run/docker.sock"))
    expect(parse("tcp://1.2.3.4")).toEqual(Either.right("tcp://1.2.3.4:2375"))
    expect(parse("1.2.3.4:5555")).toEqual(Either.right("tcp://1.2.3.4:5555"))
    expect(parse("unix://")).toEqual(Either.right("unix:///var/run/docker.sock"))
    expect(parse("ssh://me@host")).toEqual(Either.right("ssh://me@host"))
  })

  it("defaults to tcp on 2376 when tls is on and nothing is set", () => {
    expect(parse("  ", true)).toEqual(Either.right("tcp://localhost:2376"))
    expect(defaultDockerHost(true)).toBe("tcp://localhost:2376")
  })

  it("rejects unknown schemes with docker's text", () => {
    expect(parse("foo://x")).toEqual(Either.left("invalid bind address format: foo://x"))
    expect(parse("://x")).toEqual(Either.left("invalid bind address format: ://x"))
  })

  it("reports url parse failures as go's url.Error", () => {
    expect(parse("tcp://a b")).toEqual(Either.left('parse "tcp://a b": invalid character " " in host name'))
    expect(parse("tcp://h:abc")).toEqual(Either.left('parse "tcp://h:abc": invalid port ":abc" after host'))
  })

  it("quotes non-printable runes and cut utf-8 bytes as go's %q does", () => {
    expect(parse("tcp://h:\u00a0x")).toEqual(
      Either.left('parse "tcp://h:\\u00a0x": invalid port ":\\u00a0x" after host')
    )
    // Go slices three bytes after `%`, which can cut a rune in two.
    expect(parse("tcp://127.0.0.1/%a\u4e2d")).toEqual(
      Either.left('parse "tcp://127.0.0.1/%a\u4e2d": invalid URL escape "%a\\xe4"')
    )
    expect(parse("tcp://127.0.0.1/%\u00e9x")).toEqual(
      Either.left('parse "tcp://127.0.0.1/%\u00e9x": invalid URL escape "%\u00e9"')
    )
  })

  it("keeps a decoded path and drops query and fragment", () => {
    expect(parse("tcp://h:1/p%20a?x#y")).toEqual(Either.right("tcp://h:1/p a"))
    expect(parse("/tmp/x.sock")).toEqual(Either.right("tcp://localhost:2375/tmp/x.sock"))
  })

  it("splits and joins host ports like go's net package", () => {
    expect(splitHostPort("[::1]:80")).toEqual(Either.right(["::1", "80"]))
    expect(splitHostPort("a:b:c")).toEqual(Either.left("address a:b:c: too many colons in address"))
    expect(splitHostPort("host")).toEqual(Either.left("address host: missing port in address"))
    expect(joinHostPort("::1", "2375")).toBe("[::1]:2375")
  })
})

// The docker CLI itself normalises DOCKER_HOST for its default context; `context inspect` never dials.
describe("parseDockerHost against the docker cli", () => {
  let root = ""
  let before: ReadonlyArray<string> = []
  beforeAll(async () => {
    root = await tempDir("host")
    before = await snapshot(root)
  })
  afterAll(async () => {
    expect(await snapshot(root)).toEqual(before)
    await removeDir(root)
  })

  // Loopback or unparsable hosts only: `context inspect` never dials, and nothing else is aimed at.
  const hosts = [
    "tcp://127.0.0.1",
    "127.0.0.1:5555",
    "unix://",
    "unix:///x.sock",
    "unix://unix:///x",
    "ssh://me@127.0.0.1:1",
    "fd://",
    "npipe://",
    "tcp://",
    ":2375",
    "tcp://:99",
    "tcp://127.0.0.1:",
    "tcp://[::1]:5",
    "tcp://[::1]",
    "tcp://[::1]:",
    "tcp://user@127.0.0.1:7/x",
    "tcp://127.0.0.1:1:2",
    " tcp://127.0.0.1 ",
    "tcp://127.0.0.1:1/p%20a?x#y",
    "/tmp/x.sock",
    "foo://x",
    "tcp://a b",
    "tcp://h:abc",
    "tcp://127.0.0.1/%zz",
    "unix://a://b",
    "tcp://x://y",
    "tcp://h:\u00a0x",
    "tcp://h:x\u200b",
    "tcp://127.0.0.1/%\u00e9x",
    "tcp://127.0.0.1/%\u4e2d",
    "tcp://127.0.0.1/%a\u4e2d"
  ]

  it("agrees with docker context inspect default for odd hosts", () => {
    for (const host of hosts) {
      let docker: string
      try {
        docker = execFileSync(
          "docker",
          [
            "--config",
            Path.join(root, "cfg"),
            "context",
            "inspect",
            "default",
            "--format",
            "{{.Endpoints.docker.Host}}"
          ],
          {
            env: { PATH: process.env.PATH ?? "", HOME: root, DOCKER_CONFIG: Path.join(root, "cfg"), DOCKER_HOST: host },
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 30_000
          }
        ).trim()
      } catch (e) {
        docker = `error: ${String((e as { stderr?: string }).stderr ?? "").trim()}`
      }
      const ours = Either.match(parse(host), { onLeft: (l) => `error: ${l}`, onRight: (r) => r })
      expect({ host, value: ours }).toEqual({ host, value: docker })
    }
  })
})
