/** The one mapping from node:http / TLS / HTTP-status failures to DockerApiError reasons and texts. */
import { toDockerApiError, UpgradeRefused } from "@buildlens/adapters/docker"
import { DockerApiError } from "@buildlens/core"
import { describe, expect, it } from "@effect/vitest"

const unix = { kind: "unix", socketPath: "/run/x/docker.sock" } as const
const tcp = { kind: "tcp", hostname: "127.0.0.1", port: 2376 } as const
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
})
