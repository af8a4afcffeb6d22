/**
 * The one place where node:http, TLS and HTTP-status failures of a Docker API call become core's
 * DockerApiError with its closed reason set. Texts follow moby's client: a socket that refuses or does not
 * exist is "Cannot connect to the Docker daemon at <host>..."; a daemon answer is "Error response from
 * daemon: <message>"; anything else during the exchange is "error during connect: <Method> "<url>": <cause>".
 */
import { DockerApiError, type DockerApiReason } from "@buildlens/core"
import type { DockerAddress } from "./Host.js"

/** The request that failed, for moby-style messages. */
export interface DockerCall {
  readonly method: string
  readonly path: string
}

/** The daemon answered a hijack request with something other than 101 Switching Protocols. */
export class UpgradeRefused extends Error {
  constructor(
    readonly proto: string,
    readonly status: number
  ) {
    super(`unable to upgrade to ${proto}, received ${status}`)
  }
}

// errno codes moby reports as "Cannot connect to the Docker daemon" (the daemon is not there for us).
// A missing socket and a refused permission have texts of their own (moby client `request.go`).
const unreachableCodes = new Set(["ECONNREFUSED", "ENOTSOCK", "EHOSTUNREACH", "ENETUNREACH"])
const timeoutCodes = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"])
// OpenSSL verification results node exposes as `code`, besides the ERR_TLS_* / ERR_SSL_* families.
const tlsCodes = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_REVOKED",
  "HOSTNAME_MISMATCH",
  "EPROTO"
])

const fieldOf = (cause: unknown, field: string): unknown =>
  typeof cause === "object" && cause !== null ? (cause as Record<string, unknown>)[field] : undefined

/** moby's request URL: the socket path is percent-encoded into the host part for unix sockets. */
export const callUrl = (address: DockerAddress, secure: boolean, path: string): string => {
  switch (address.kind) {
    case "unix":
      return `http://${encodeURIComponent(address.socketPath)}${path}`
    case "tcp":
      return `${secure ? "https" : "http"}://${address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname}:${address.port}${path}`
    case "unsupported":
      return `http://${address.proto}${path}`
  }
}

const goMethod = (method: string): string => method.charAt(0) + method.slice(1).toLowerCase()

/** The daemon's own message in an error body (`{"message": "..."}`), else the body text. */
const daemonMessage = (cause: unknown): string => {
  const json = fieldOf(cause, "json")
  const fromJson = fieldOf(json, "message")
  if (typeof fromJson === "string") return fromJson
  if (typeof json === "string") return json.trim()
  if (json instanceof Uint8Array) return Buffer.from(json).toString("utf8").trim()
  return String(fieldOf(cause, "message") ?? "")
}

const reasonOf = (cause: unknown): DockerApiReason => {
  if (cause instanceof UpgradeRefused) return "Http"
  if (typeof fieldOf(cause, "statusCode") === "number") return "Http"
  const code = fieldOf(cause, "code")
  if (typeof code === "string") {
    if (code === "ENOENT") return "NotFound"
    if (code === "EACCES" || code === "EPERM") return "PermissionDenied"
    if (unreachableCodes.has(code)) return "Unreachable"
    if (timeoutCodes.has(code)) return "Timeout"
    if (tlsCodes.has(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_")) return "Tls"
  }
  return "Protocol"
}

/** Maps any failure of a Docker API call on `host` to a DockerApiError, keeping the cause. */
export const toDockerApiError = (
  host: string,
  address: DockerAddress,
  secure: boolean,
  call: DockerCall,
  cause: unknown
): DockerApiError => {
  if (cause instanceof DockerApiError) return cause
  const reason = reasonOf(cause)
  const during = `error during connect: ${goMethod(call.method)} "${callUrl(address, secure, call.path)}"`
  let detail: string
  switch (reason) {
    case "Unreachable":
    case "Timeout":
      // moby words a connect timeout like a refused connection.
      detail = `Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?`
      break
    case "NotFound":
      detail =
        address.kind === "unix"
          ? `failed to connect to the docker API at ${host}; check if the path is correct and if the daemon is running: dial unix ${address.socketPath}: connect: no such file or directory`
          : `${during}: ${String(fieldOf(cause, "message") ?? cause)}`
      break
    case "PermissionDenied":
      detail = `permission denied while trying to connect to the docker API at ${host}`
      break
    case "Http":
      detail = cause instanceof UpgradeRefused ? cause.message : `Error response from daemon: ${daemonMessage(cause)}`
      break
    default:
      detail = `${during}: ${String(fieldOf(cause, "message") ?? cause)}`
  }
  return new DockerApiError({ endpoint: host, reason, detail, cause })
}

/** moby leaves context errors undecorated: the request's URL error, ending in Go's deadline text. */
export const deadlineExceeded = (
  host: string,
  address: DockerAddress,
  secure: boolean,
  call: DockerCall
): DockerApiError =>
  new DockerApiError({
    endpoint: host,
    reason: "Timeout",
    detail: `${goMethod(call.method)} "${callUrl(address, secure, call.path)}": context deadline exceeded`
  })
