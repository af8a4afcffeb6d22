/**
 * A docker host string (`unix:///path`, `tcp://host[:port][/base]`) turned into how node:http reaches it. The
 * form check is moby's ParseHostURL (`<proto>://<non-empty>`); other protocols pass the check and fail on
 * first use, as moby's lazily-dialing client does.
 */
import { isIP } from "node:net"
import { posix } from "node:path"
import type { ConnectionOptions } from "node:tls"
import { DockerApiError, type DockerEndpoint } from "@buildlens/core"
import { Either } from "effect"

/** Where the daemon listens: a unix socket, a TCP address, or a protocol this adapter cannot dial. */
export type DockerAddress =
  | { readonly kind: "unix"; readonly socketPath: string }
  | {
      readonly kind: "tcp"
      /** `host[:port]` as written (IPv6 in brackets): moby's request URLs carry exactly this. */
      readonly authority: string
      /** The host name or address, IPv6 without brackets. */
      readonly hostname: string
      /** The port when the host names one; requests then default by scheme, hijacks fail without it. */
      readonly port: number | undefined
      /** The URL path after the address, prefixed to every API route (moby `basePath`), "" for none. */
      readonly basePath: string
    }
  | { readonly kind: "unsupported"; readonly proto: string }

/** A parsed endpoint: the address plus TLS options when the endpoint speaks HTTPS. */
export interface DockerTransport {
  /** The host moby's client names the daemon by: the endpoint's, or moby's default for an empty one. */
  readonly host: string
  readonly address: DockerAddress
  readonly tls: ConnectionOptions | undefined
}

/**
 * moby's `DefaultDockerHost` on Unix. The docker CLI adds no host option for a context endpoint whose Host is
 * empty, so its client keeps this default (and no TLS, which is configured only next to a host).
 */
const defaultDockerHost = "unix:///var/run/docker.sock"
const defaultAddress: DockerAddress = { kind: "unix", socketPath: "/var/run/docker.sock" }

const badHost = (host: string, detail: string, cause?: unknown): DockerApiError =>
  new DockerApiError({ endpoint: host, reason: "BadHost", detail, cause })

const tlsOptions = (endpoint: DockerEndpoint, hostname: string): ConnectionOptions => {
  const material = endpoint.tls
  const options: ConnectionOptions = { rejectUnauthorized: !endpoint.skipTLSVerify }
  if (material?.ca !== undefined) options.ca = Buffer.from(material.ca)
  if (material?.cert !== undefined) options.cert = Buffer.from(material.cert)
  if (material?.key !== undefined) options.key = Buffer.from(material.key)
  // SNI carries names only; node warns when it is given an IP address.
  if (isIP(hostname) === 0) options.servername = hostname
  return options
}

const parseTcp = (endpoint: DockerEndpoint, rest: string): Either.Either<DockerTransport, DockerApiError> => {
  const host = endpoint.host
  let url: URL
  try {
    url = new URL(`tcp://${rest}`)
  } catch (cause) {
    return Either.left(badHost(host, `parse "tcp://${rest}": invalid URL`, cause))
  }
  // moby keeps the URL's host as the address: without a port Go's transport dials 80 (443 with TLS). Filling in
  // 2375/2376 is docker CLI's normalisation of DOCKER_HOST, done where the default context is made.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1")
  const secure = endpoint.tls !== undefined || endpoint.skipTLSVerify
  return Either.right({
    host,
    address: {
      kind: "tcp",
      authority: url.host,
      hostname,
      port: url.port === "" ? undefined : Number(url.port),
      basePath: url.pathname
    },
    tls: secure ? tlsOptions(endpoint, hostname) : undefined
  })
}

/** Parses an endpoint's host the way moby's client does; `ssh://` is refused until it is implemented. */
export const parseDockerHost = (endpoint: DockerEndpoint): Either.Either<DockerTransport, DockerApiError> => {
  if (endpoint.host === "") return Either.right({ host: defaultDockerHost, address: defaultAddress, tls: undefined })
  const host = endpoint.host
  const at = host.indexOf("://")
  if (at < 0 || at + 3 === host.length) return Either.left(badHost(host, `unable to parse docker host \`${host}\``))
  const proto = host.slice(0, at)
  const rest = host.slice(at + 3)
  switch (proto) {
    case "unix":
      return Either.right({ host, address: { kind: "unix", socketPath: rest }, tls: undefined })
    case "tcp":
      return parseTcp(endpoint, rest)
    case "ssh":
      // TODO(docker-ssh): buildx reaches ssh:// daemons through `docker system dial-stdio` over ssh; not ported yet.
      return Either.left(
        new DockerApiError({
          endpoint: host,
          reason: "Protocol",
          detail: `ssh docker hosts are not supported yet by buildlens: ${host}`
        })
      )
    default:
      return Either.right({ host, address: { kind: "unsupported", proto }, tls: undefined })
  }
}

/** moby's API path for a route: Go `path.Join(basePath, route)` (tcp hosts only have a base path). */
export const apiPath = (address: DockerAddress, route: string): string =>
  address.kind === "tcp" && address.basePath !== "" ? posix.join(address.basePath, route) : route

/**
 * Where node:http connects for an API request (never for `unsupported`): Go's transport adds the scheme's
 * port to a tcp address without one.
 */
export const requestTarget = (
  address: Exclude<DockerAddress, { kind: "unsupported" }>,
  secure: boolean
): { socketPath: string } | { host: string; port: number } =>
  address.kind === "unix"
    ? { socketPath: address.socketPath }
    : { host: address.hostname, port: address.port ?? (secure ? 443 : 80) }
