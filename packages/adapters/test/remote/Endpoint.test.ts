/**
 * Remote endpoints: Go url.Parse as far as buildx relies on it, buildx's scheme check and the
 * gRPC authority (SPEC §4.3, §6 47–48).
 */
import { clientAuthority, goHostname, parseGoUrl, validateEndpoint } from "@buildlens/adapters/remote"
import { describe, expect, it } from "@effect/vitest"

describe("validateEndpoint", () => {
  it("accepts every remote scheme", () => {
    for (const endpoint of [
      "tcp://my-buildkit.example.com:443",
      "unix:///run/buildkit/buildkitd.sock",
      "npipe:////./pipe/buildkitd",
      "ssh://me@host:2222/run/buildkit.sock",
      "docker-container://buildkitd?context=c",
      "kube-pod://buildkitd-0?namespace=ns",
      "TCP://h:1"
    ]) {
      expect(validateEndpoint(endpoint), endpoint).toBeUndefined()
    }
  })

  it("rejects other schemes by name", () => {
    expect(validateEndpoint("http://x:1234")).toBe("unrecognized url scheme http")
    expect(validateEndpoint("kubernetes:///b?deployment=n")).toBe("unrecognized url scheme kubernetes")
    // A docker context name parses as a bare path: the scheme is empty.
    expect(validateEndpoint("default")).toBe("unrecognized url scheme ")
    expect(validateEndpoint("desktop-linux")).toBe("unrecognized url scheme ")
  })

  it("reports go's parse errors", () => {
    expect(validateEndpoint("1.2.3.4:5555")).toBe(
      'failed to parse endpoint 1.2.3.4:5555: parse "1.2.3.4:5555": first path segment in URL cannot contain colon'
    )
    expect(validateEndpoint("tcp://h:abc")).toBe(
      'failed to parse endpoint tcp://h:abc: parse "tcp://h:abc": invalid port ":abc" after host'
    )
    expect(validateEndpoint("://x")).toBe('failed to parse endpoint ://x: parse "://x": missing protocol scheme')
    expect(validateEndpoint("tcp://[::1:1234")).toBe(
      "failed to parse endpoint tcp://[::1:1234: parse \"tcp://[::1:1234\": missing ']' in host"
    )
    expect(validateEndpoint("tcp://h\n:1")).toBe(
      'failed to parse endpoint tcp://h\n:1: parse "tcp://h\\n:1": net/url: invalid control character in URL'
    )
    expect(validateEndpoint("unix:///run/%zz")).toBe(
      'failed to parse endpoint unix:///run/%zz: parse "unix:///run/%zz": invalid URL escape "%zz"'
    )
    expect(validateEndpoint("tcp://h^x:1")).toBe(
      'failed to parse endpoint tcp://h^x:1: parse "tcp://h^x:1": invalid character "^" in host name'
    )
  })
})

describe("parseGoUrl", () => {
  it("keeps host and port, lower-cases the scheme", () => {
    const parsed = parseGoUrl("TCP://User@[fe80::1]:1234/p?q=1#f")
    expect(parsed).toEqual({ _tag: "Url", url: { scheme: "tcp", opaque: "", host: "[fe80::1]:1234", path: "/p" } })
    if (parsed._tag === "Url") expect(goHostname(parsed.url)).toBe("fe80::1")
  })

  it("treats scheme:rest without slashes as opaque", () => {
    expect(parseGoUrl("unix:relative.sock")).toEqual({
      _tag: "Url",
      url: { scheme: "unix", opaque: "relative.sock", host: "", path: "" }
    })
  })
})

describe("clientAuthority", () => {
  it("uses the url host of a tcp endpoint", () => {
    expect(clientAuthority("tcp://my-buildkit.example.com:443", undefined)).toBe("my-buildkit.example.com:443")
  })

  it("prefers the tls server name", () => {
    expect(clientAuthority("tcp://10.0.0.5:443", "my-buildkit.example.com")).toBe("my-buildkit.example.com")
  })

  it("has none for a unix socket", () => {
    expect(clientAuthority("unix:///run/buildkit/buildkitd.sock", undefined)).toBeUndefined()
    expect(clientAuthority("tcp://h:abc", undefined)).toBeUndefined()
  })
})
