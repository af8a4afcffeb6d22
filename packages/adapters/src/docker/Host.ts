/**
 * A docker host string (`unix:///path`, `tcp://host:port`) turned into how node:http reaches it. The form
 * check is moby's ParseHostURL (`<proto>://<non-empty>`); other protocols pass the check and fail on first
 * use, as moby's lazily-dialing client does.
 */
import { isIP } from "node:net"
import type { ConnectionOptions } from "node:tls"
import { DockerApiError, type DockerEndpoint } from "@buildlens/core"
import { Either } from "effect"

/** Where the daemon listens: a unix socket, a TCP address, or a protocol this adapter cannot dial. */
export type DockerAddress =
  | { readonly kind: "unix"; readonly socketPath: string }
  | { readonly kind: "tcp"; readonly hostname: string; readonly port: number }
  | { readonly kind: "unsupported"; readonly proto: string }

/** A parsed endpoint: the address plus TLS options when the endpoint speaks HTTPS. */
export interface DockerTransport {
  /** The host string as the user wrote it; messages name the daemon by it. */
  readonly host: string
  readonly address: DockerAddress
  readonly tls: ConnectionOptions | undefined
}

// The ports the docker CLI assumes when a tcp host omits one.
const plainPort = 2375
const tlsPort = 2376

const badHost = (host: string, detail: string): DockerApiError =>
  new DockerApiError({ endpoint: host, reason: "BadHost", detail })

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

/** Parses an endpoint's host the way moby's client does; `ssh://` is refused until it is implemented. */
export const parseDockerHost = (endpoint: DockerEndpoint): Either.Either<DockerTransport, DockerApiError> => {
  const host = endpoint.host
  const at = host.indexOf("://")
  if (at < 0 || at + 3 === host.length) return Either.left(badHost(host, `unable to parse docker host \`${host}\``))
  const proto = host.slice(0, at)
  const rest = host.slice(at + 3)
  switch (proto) {
    case "unix":
      return Either.right({ host, address: { kind: "unix", socketPath: rest }, tls: undefined })
    case "tcp": {
      let url: URL
      try {
        url = new URL(`tcp://${rest}`)
      } catch (cause) {
        return Either.left(
          new DockerApiError({ endpoint: host, reason: "BadHost", detail: `parse "tcp://${rest}": invalid URL`, cause })
        )
      }
      const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1")
      const secure = endpoint.tls !== undefined || endpoint.skipTLSVerify
      const port = url.port === "" ? (secure ? tlsPort : plainPort) : Number(url.port)
      return Either.right({
        host,
        address: { kind: "tcp", hostname, port },
        tls: secure ? tlsOptions(endpoint, hostname) : undefined
      })
    }
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

/** The connection part of node:http(s) request options for a transport (never for `unsupported`). */
export const requestTarget = (
  address: Exclude<DockerAddress, { kind: "unsupported" }>
): { socketPath: string } | { host: string; port: number } =>
  address.kind === "unix" ? { socketPath: address.socketPath } : { host: address.hostname, port: address.port }
