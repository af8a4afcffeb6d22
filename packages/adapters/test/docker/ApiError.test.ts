/** An HTTP failure as docker-modem reports it: the status and the body, parsed when it is JSON. */
const httpError = (statusCode: number, json: unknown): Error =>
  Object.assign(new Error(`(HTTP code ${statusCode}) unexpected`), { statusCode, json })

/** The one mapping from node:http / TLS / HTTP-status failures to DockerApiError reasons and texts. */
import { callUrl, DeadlineExceeded, toDockerApiError, UpgradeRefused } from "@buildlens/adapters/docker"
import { DockerApiError } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"

const unix = { kind: "unix", socketPath: "/run/x/docker.sock" } as const
const tcp = { kind: "tcp", authority: "127.0.0.1:2376", hostname: "127.0.0.1", port: 2376, basePath: "" } as const
const get = { method: "GET", path: "/version" }

const errno = (code: string, message = `connect ${code}`): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code })

describe("toDockerApiError", () => {
  it("maps a refused socket to unreachable with moby's message", () => {
    const error = toDockerApiError("unix:///run/x/docker.sock", unix, false, get, errno("ECONNREFUSED"))
    expect(error.reason).toBe("Unreachable")
    expect(error.message).toBe(
      "Cannot connect to the Docker daemon at unix:///run/x/docker.sock. Is the docker daemon running?"
    )
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED")
  })

  it("maps a missing socket to not found with moby's path hint", () => {
    const error = toDockerApiError("unix:///run/x/docker.sock", unix, false, get, errno("ENOENT"))
    expect(error.reason).toBe("NotFound")
    expect(error.message).toBe(
      "failed to connect to the docker API at unix:///run/x/docker.sock; check if the path is correct and if the daemon is running: dial unix /run/x/docker.sock: connect: no such file or directory"
    )
  })

  it("maps a forbidden socket to permission denied", () => {
    const error = toDockerApiError("unix:///run/x/docker.sock", unix, false, get, errno("EACCES"))
    expect(error.reason).toBe("PermissionDenied")
    expect(error.message).toBe(
      "permission denied while trying to connect to the docker API at unix:///run/x/docker.sock"
    )
  })

  it("maps a connect timeout to timeout, worded like moby's connection failure", () => {
    const error = toDockerApiError("tcp://127.0.0.1:2376", tcp, true, get, errno("ETIMEDOUT"))
    expect(error.reason).toBe("Timeout")
    expect(error.message).toBe(
      "Cannot connect to the Docker daemon at tcp://127.0.0.1:2376. Is the docker daemon running?"
    )
  })

  it("maps certificate failures to tls with the request in the text", () => {
    const cause = errno("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate")
    const error = toDockerApiError("tcp://127.0.0.1:2376", tcp, true, get, cause)
    expect(error.reason).toBe("Tls")
    expect(error.message).toBe(
      'error during connect: Get "https://127.0.0.1:2376/version": unable to verify the first certificate'
    )
    expect(toDockerApiError("h", tcp, true, get, errno("ERR_TLS_CERT_ALTNAME_INVALID")).reason).toBe("Tls")
  })

  it("maps a daemon error status to http with the daemon's message", () => {
    const cause = Object.assign(new Error("(HTTP code 500) server error"), {
      statusCode: 500,
      json: { message: "layer store broken" }
    })
    const error = toDockerApiError("unix:///run/x/docker.sock", unix, false, get, cause)
    expect(error.reason).toBe("Http")
    expect(error.message).toBe("Error response from daemon: layer store broken")
  })

  it("maps a refused upgrade to http with moby's hijack text", () => {
    const error = toDockerApiError("h", unix, false, { method: "POST", path: "/grpc" }, new UpgradeRefused("h2c", 404))
    expect(error.reason).toBe("Http")
    expect(error.message).toBe("unable to upgrade to h2c, received 404")
  })

  it("maps anything else to protocol and percent-encodes the socket into the url", () => {
    const error = toDockerApiError("unix:///run/x/docker.sock", unix, false, get, errno("ECONNRESET", "socket hang up"))
    expect(error.reason).toBe("Protocol")
    expect(error.message).toBe('error during connect: Get "http://%2Frun%2Fx%2Fdocker.sock/version": socket hang up')
  })

  it("keeps a DockerApiError as it is", () => {
    const original = new DockerApiError({ endpoint: "e", reason: "BadHost", detail: "d" })
    expect(toDockerApiError("h", unix, false, get, original)).toBe(original)
  })
  it("maps a failed name lookup to not found with go's resolver words", () => {
    const named = {
      kind: "tcp",
      authority: "docker.invalid:2375",
      hostname: "docker.invalid",
      port: 2375,
      basePath: ""
    } as const
    const cause = Object.assign(errno("ENOTFOUND", "getaddrinfo ENOTFOUND docker.invalid"), {
      hostname: "docker.invalid"
    })
    const error = toDockerApiError("tcp://docker.invalid:2375", named, false, get, cause)
    expect(error.reason).toBe("NotFound")
    expect(error.message).toBe(
      "failed to connect to the docker API at tcp://docker.invalid:2375: lookup docker.invalid: no such host"
    )
    const again = toDockerApiError("tcp://docker.invalid:2375", named, false, get, errno("EAI_AGAIN"))
    expect(again.message).toBe(
      "failed to connect to the docker API at tcp://docker.invalid:2375: lookup docker.invalid: server misbehaving"
    )
  })

  it("hints at client authentication when the server answers a handshake with a certificate alert", () => {
    const hint =
      "the server probably has client authentication (--tlsverify) enabled; check your TLS client certification settings"
    const tls12 = errno(
      "EPROTO",
      "write EPROTO 80:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:rec_layer_s3.c:1601:SSL alert number 40\n"
    )
    const error = toDockerApiError("tcp://127.0.0.1:2376", tcp, true, get, tls12)
    expect(error.reason).toBe("Tls")
    expect(error.message).toBe(`${hint}: Get "https://127.0.0.1:2376/version": remote error: tls: handshake failure`)
    const badCert = errno("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "ssl3_read_bytes:sslv3 alert bad certificate")
    expect(toDockerApiError("tcp://127.0.0.1:2376", tcp, true, get, badCert).message).toBe(
      `${hint}: Get "https://127.0.0.1:2376/version": remote error: tls: bad certificate`
    )
  })

  it("words other alerts as go does, without the hint", () => {
    const cause = errno("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "tlsv13 alert certificate required")
    const error = toDockerApiError("tcp://127.0.0.1:2376", tcp, true, get, cause)
    expect(error.reason).toBe("Tls")
    expect(error.message).toBe(
      'error during connect: Get "https://127.0.0.1:2376/version": remote error: tls: certificate required'
    )
  })

  it("names the route when the daemon answers an error status with an empty body", () => {
    const error = toDockerApiError("tcp://127.0.0.1:2376", tcp, true, get, httpError(404, Buffer.alloc(0)))
    expect(error.reason).toBe("Http")
    expect(error.message).toBe(
      "request returned 404 Not Found for API route and version https://127.0.0.1:2376/version, check if the server supports the requested API version"
    )
  })

  it("says so when the daemon's json error has no message", () => {
    const error = toDockerApiError("unix:///run/x/docker.sock", unix, false, get, httpError(500, { cause: "x" }))
    expect(error.message).toBe(
      "Error response from daemon: API returned a 500 (Internal Server Error) but provided no error-message"
    )
    expect(toDockerApiError("h", unix, false, get, httpError(409, { message: "" })).message).toBe(
      "Error response from daemon: API returned a 409 (Conflict) but provided no error-message"
    )
  })

  it("trims the daemon's message and passes a plain-text body through", () => {
    expect(toDockerApiError("h", unix, false, get, httpError(500, { message: " no space left \n" })).message).toBe(
      "Error response from daemon: no space left"
    )
    expect(
      toDockerApiError("h", unix, false, get, httpError(502, Buffer.from("<html>bad gateway</html>\n"))).message
    ).toBe("Error response from daemon: <html>bad gateway</html>")
  })

  it("words an expired deadline as the request's context error", () => {
    const error = toDockerApiError("unix:///run/x/docker.sock", unix, false, get, new DeadlineExceeded())
    expect(error.reason).toBe("Timeout")
    expect(error.message).toBe('Get "http://%2Frun%2Fx%2Fdocker.sock/version": context deadline exceeded')
  })
})

describe("callUrl", () => {
  it("writes a tcp address as given and puts api routes under its base path", () => {
    const bare = {
      kind: "tcp",
      authority: "docker.example",
      hostname: "docker.example",
      port: undefined,
      basePath: ""
    } as const
    expect(callUrl(bare, false, { method: "GET", path: "/_ping" })).toBe("http://docker.example/_ping")
    const based = { ...bare, authority: "[::1]:2375", hostname: "::1", port: 2375, basePath: "/base" } as const
    expect(callUrl(based, true, { method: "GET", path: "/_ping" })).toBe("https://[::1]:2375/base/_ping")
  })

  it("leaves a hijack's path alone, as moby's DialHijack does", () => {
    const based = { kind: "tcp", authority: "h:2375", hostname: "h", port: 2375, basePath: "/base" } as const
    expect(callUrl(based, false, { method: "POST", path: "/grpc", hijack: true })).toBe("http://h:2375/grpc")
  })
})
