/** Docker host parsing: moby's `<proto>://<non-empty>` check, its default host, unix and tcp addresses, TLS options. */
import { apiPath, parseDockerHost, requestTarget } from "@buildlens/adapters/docker"
import type { DockerEndpoint } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"

const parse = (host: string, rest: Partial<DockerEndpoint> = {}) =>
  parseDockerHost({ host, skipTLSVerify: false, tls: undefined, ...rest })

const right = <A, E>(either: Either.Either<A, E>): A => {
  if (Either.isLeft(either)) throw new Error(`expected a parsed host, got ${String(either.left)}`)
  return either.right
}

describe("parseDockerHost", () => {
  it("takes everything after unix:// as the socket path", () => {
    expect(right(parse("unix:///var/lib/x/docker.sock")).address).toEqual({
      kind: "unix",
      socketPath: "/var/lib/x/docker.sock"
    })
  })

  it("rejects strings without :// or without an address", () => {
    for (const host of ["default", "/var/run/docker.sock", "tcp://", "unix:/x"]) {
      const parsed = parse(host)
      expect(Either.isLeft(parsed) && parsed.left.reason).toBe("BadHost")
      expect(Either.isLeft(parsed) && parsed.left.message).toBe(`unable to parse docker host \`${host}\``)
    }
  })

  it("treats an empty host as moby's default socket, without tls", () => {
    const parsed = right(parse("", { skipTLSVerify: true }))
    expect(parsed.host).toBe("unix:///var/run/docker.sock")
    expect(parsed.address).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" })
    expect(parsed.tls).toBeUndefined()
  })

  it("reads tcp host and port as written", () => {
    expect(right(parse("tcp://10.0.0.1:2375")).address).toEqual({
      kind: "tcp",
      authority: "10.0.0.1:2375",
      hostname: "10.0.0.1",
      port: 2375,
      basePath: ""
    })
    expect(right(parse("tcp://[::1]:2376")).address).toEqual({
      kind: "tcp",
      authority: "[::1]:2376",
      hostname: "::1",
      port: 2376,
      basePath: ""
    })
  })

  it("leaves a missing tcp port to the scheme's default, as go's transport does", () => {
    const plain = right(parse("tcp://docker.example"))
    expect(plain.address).toEqual({
      kind: "tcp",
      authority: "docker.example",
      hostname: "docker.example",
      port: undefined,
      basePath: ""
    })
    if (plain.address.kind !== "tcp") throw new Error("expected a tcp address")
    expect(requestTarget(plain.address, false)).toEqual({ host: "docker.example", port: 80 })
    expect(requestTarget(plain.address, true)).toEqual({ host: "docker.example", port: 443 })
  })

  it("keeps a tcp base path and joins api routes under it", () => {
    const address = right(parse("tcp://docker.example:2375/proxy/docker/")).address
    expect(address.kind === "tcp" && address.basePath).toBe("/proxy/docker/")
    expect(apiPath(address, "/_ping")).toBe("/proxy/docker/_ping")
    expect(apiPath(right(parse("tcp://docker.example:2375")).address, "/_ping")).toBe("/_ping")
    expect(apiPath(right(parse("unix:///run/docker.sock")).address, "/version")).toBe("/version")
  })

  it("speaks plain http over tcp without tls material", () => {
    expect(right(parse("tcp://127.0.0.1:2375")).tls).toBeUndefined()
  })

  it("builds tls options from the endpoint material", () => {
    const ca = new TextEncoder().encode("CA PEM")
    const tls = right(parse("tcp://docker.example:2376", { tls: { ca, cert: undefined, key: undefined } })).tls
    expect(tls?.rejectUnauthorized).toBe(true)
    expect(String(tls?.ca)).toBe("CA PEM")
    expect(tls?.cert).toBeUndefined()
    expect(tls?.servername).toBe("docker.example")
    const insecure = right(parse("tcp://127.0.0.1:2376", { skipTLSVerify: true })).tls
    expect(insecure?.rejectUnauthorized).toBe(false)
    expect(insecure?.servername).toBeUndefined()
  })

  it("refuses ssh and keeps other protocols for a lazy failure", () => {
    const ssh = parse("ssh://me@host")
    expect(Either.isLeft(ssh) && ssh.left.reason).toBe("Protocol")
    expect(right(parse("npipe:////./pipe/docker_engine")).address).toEqual({ kind: "unsupported", proto: "npipe" })
  })
})
