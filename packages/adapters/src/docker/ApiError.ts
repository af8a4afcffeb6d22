/**
 * The one place where node:http, DNS, TLS and HTTP-status failures of a Docker API call become core's
 * DockerApiError with its closed reason set. Texts follow moby's client (`request.go` doRequest and
 * checkResponseErr): a socket that refuses is "Cannot connect to the Docker daemon at <host>..."; a daemon
 * answer is "Error response from daemon: <message>"; anything else during the exchange is
 * "error during connect: <Method> "<url>": <cause>".
 */
import { STATUS_CODES } from "node:http"
import { DockerApiError, type DockerApiReason } from "@buildlens/core"
import { apiPath, type DockerAddress } from "./Host.js"

/** The request that failed, for moby-style messages; a hijack's path is used as it is, without a base path. */
export interface DockerCall {
  readonly method: string
  readonly path: string
  readonly hijack?: boolean
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

/** The command's deadline passed before the call ended (Go's context.DeadlineExceeded). */
export class DeadlineExceeded extends Error {
  constructor() {
    super("context deadline exceeded")
  }
}

// errno codes moby reports as "Cannot connect to the Docker daemon" (the daemon is not there for us).
// A missing socket and a refused permission have texts of their own.
const unreachableCodes = new Set(["ECONNREFUSED", "ENOTSOCK", "EHOSTUNREACH", "ENETUNREACH"])
const timeoutCodes = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"])
// getaddrinfo failures, with the text Go's own resolver gives for them. Go also names the DNS server it asked
// (`lookup h on 10.0.0.2:53: no such host`), which node does not tell; the text leaves it out, as Go's cgo
// resolver does.
const dnsTexts: ReadonlyMap<string, string> = new Map([
  ["ENOTFOUND", "no such host"],
  ["EAI_AGAIN", "server misbehaving"],
  ["EAI_FAIL", "server misbehaving"]
])
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
// TLS alerts the server sent, by OpenSSL's name (`ERR_SSL_<version>_ALERT_<name>`), in Go's words: Go reports
// them as `remote error: tls: <text>`, and moby matches two of those texts for its client-certificate hint.
const alertTexts: ReadonlyMap<string, string> = new Map([
  ["BAD_CERTIFICATE", "bad certificate"],
  ["HANDSHAKE_FAILURE", "handshake failure"],
  ["CERTIFICATE_REQUIRED", "certificate required"],
  ["UNKNOWN_CA", "unknown certificate authority"],
  ["CERTIFICATE_EXPIRED", "expired certificate"],
  ["CERTIFICATE_REVOKED", "revoked certificate"],
  ["CERTIFICATE_UNKNOWN", "unknown certificate"],
  ["UNSUPPORTED_CERTIFICATE", "unsupported certificate"]
])
// moby's words for a TLS failure that usually means the daemon wants a client certificate.
const clientAuthAlerts = ["handshake failure", "bad certificate"]

const fieldOf = (cause: unknown, field: string): unknown =>
  typeof cause === "object" && cause !== null ? (cause as Record<string, unknown>)[field] : undefined

const codeOf = (cause: unknown): string | undefined => {
  const code = fieldOf(cause, "code")
  return typeof code === "string" ? code : undefined
}

/** The request URL moby's errors show: the socket path is percent-encoded into the host part for unix sockets. */
export const callUrl = (address: DockerAddress, secure: boolean, call: DockerCall): string => {
  // TODO(api-version): moby negotiates an API version and routes `/v<version>/<path>`, so its URLs carry it.
  const path = call.hijack === true ? call.path : apiPath(address, call.path)
  switch (address.kind) {
    case "unix":
      return `http://${encodeURIComponent(address.socketPath)}${path}`
    case "tcp":
      return `${secure ? "https" : "http"}://${address.authority}${path}`
    case "unsupported":
      return `http://${address.proto}${path}`
  }
}

const goMethod = (method: string): string => method.charAt(0) + method.slice(1).toLowerCase()

// OpenSSL names a received alert in the code (`ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`) or, under the
// generic EPROTO, only in the message (`... sslv3 alert handshake failure: ...`).
const receivedAlert = (cause: unknown): string | undefined =>
  /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(codeOf(cause) ?? "")?.[1] ??
  /(?:sslv3|tlsv1|tlsv13) alert ([a-z ]+?):/
    .exec(String(fieldOf(cause, "message") ?? ""))?.[1]
    ?.toUpperCase()
    .replaceAll(" ", "_")

/** The failure's text as Go would print it where the words differ; node's message otherwise. */
const errorText = (cause: unknown): string => {
  const alert = receivedAlert(cause)
  const goAlert = alert === undefined ? undefined : alertTexts.get(alert)
  if (goAlert !== undefined) return `remote error: tls: ${goAlert}`
  return String(fieldOf(cause, "message") ?? cause)
}

/** checkResponseErr on a status dockerode refused: the daemon's message, or moby's texts for its absence. */
const responseText = (cause: unknown, url: string): string => {
  const status = Number(fieldOf(cause, "statusCode"))
  const statusText = STATUS_CODES[status] ?? ""
  // docker-modem leaves a body that is not JSON as a Buffer, and an empty one as an empty Buffer.
  const body = fieldOf(cause, "json")
  const empty = body === undefined || body === null || body === "" || (body instanceof Uint8Array && body.length === 0)
  if (empty) {
    return `request returned ${status} ${statusText} for API route and version ${url}, check if the server supports the requested API version`
  }
  if (body instanceof Uint8Array) return `Error response from daemon: ${Buffer.from(body).toString("utf8").trim()}`
  if (typeof body !== "object") return `Error response from daemon: ${JSON.stringify(body)}`
  const message = fieldOf(body, "message")
  return typeof message === "string" && message !== ""
    ? `Error response from daemon: ${message.trim()}`
    : `Error response from daemon: API returned a ${status} (${statusText}) but provided no error-message`
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
  const url = callUrl(address, secure, call)
  const request = `${goMethod(call.method)} "${url}"`
  const make = (reason: DockerApiReason, detail: string): DockerApiError =>
    new DockerApiError({ endpoint: host, reason, detail, cause })
  // moby words a connect timeout like a refused connection.
  const cannotConnect = `Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?`

  if (cause instanceof UpgradeRefused) return make("Http", cause.message)
  // moby leaves context errors undecorated: the request's URL error, ending in Go's deadline text.
  if (cause instanceof DeadlineExceeded) return make("Timeout", `${request}: ${cause.message}`)
  if (typeof fieldOf(cause, "statusCode") === "number") return make("Http", responseText(cause, url))
  const code = codeOf(cause) ?? ""
  const text = errorText(cause)
  if (secure && clientAuthAlerts.some((alert) => text.includes(alert))) {
    return make(
      "Tls",
      `the server probably has client authentication (--tlsverify) enabled; check your TLS client certification settings: ${request}: ${text}`
    )
  }
  if (code === "EACCES" || code === "EPERM")
    return make("PermissionDenied", `permission denied while trying to connect to the docker API at ${host}`)
  if (code === "ENOENT" && address.kind === "unix") {
    return make(
      "NotFound",
      `failed to connect to the docker API at ${host}; check if the path is correct and if the daemon is running: dial unix ${address.socketPath}: connect: no such file or directory`
    )
  }
  const dns = dnsTexts.get(code)
  if (dns !== undefined) {
    const name = fieldOf(cause, "hostname") ?? (address.kind === "tcp" ? address.hostname : "")
    return make("NotFound", `failed to connect to the docker API at ${host}: lookup ${String(name)}: ${dns}`)
  }
  if (unreachableCodes.has(code)) return make("Unreachable", cannotConnect)
  if (timeoutCodes.has(code)) return make("Timeout", cannotConnect)
  const tls = tlsCodes.has(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_")
  return make(tls ? "Tls" : "Protocol", `error during connect: ${request}: ${text}`)
}
