/**
 * docker's `opts.ParseHost` (Unix defaults) for `-H` / DOCKER_HOST (SPEC §1.4, example 49), with the
 * parts of Go's net/url and net.SplitHostPort it relies on, so that odd hosts normalise or fail
 * with the same text docker prints.
 */
import { goQuote } from "@buildlens/core"
import { Either } from "effect"

const defaultUnixSocket = "/var/run/docker.sock"
const defaultHttpHost = "localhost"
const defaultHttpPort = "2375"
const defaultTlsHttpPort = "2376"
const defaultNamedPipe = "//./pipe/docker_engine"

/** The default-context host when nothing is configured: the local socket, or TCP+TLS on 2376. */
export const defaultDockerHost = (tls: boolean): string =>
  tls ? `tcp://${defaultHttpHost}:${defaultTlsHttpPort}` : `unix://${defaultUnixSocket}`

const isControl = (code: number): boolean => code < 0x20 || code === 0x7f

// Go's url.Error quotes with %q; net/url slices the three bytes after `%`, which can cut a rune,
// and %q prints the cut bytes as `\x` escapes.
const quoteEscape = (rest: string): string => {
  const bytes = Buffer.from(rest, "utf8").subarray(0, 3)
  const whole = new TextDecoder().decode(bytes, { stream: true })
  const cut = [...bytes.subarray(Buffer.byteLength(whole))].map((b) => `\\x${b.toString(16).padStart(2, "0")}`)
  return `${goQuote(whole).slice(0, -1)}${cut.join("")}"`
}

class UrlError {
  constructor(readonly message: string) {}
}

const isHexDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c)

// net/url shouldEscape(c, encodeHost) for ASCII: what may appear unescaped in a host.
const hostAllowed = (c: string) => /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/.test(c)

type Mode = "host" | "path" | "userinfo" | "fragment"

// net/url unescape: validates %XX escapes (and, in hosts, the allowed characters) and decodes them.
const urlUnescape = (s: string, mode: Mode): string => {
  const bytes: Array<number> = []
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3)
      if (!isHexDigit(s[i + 1]) || !isHexDigit(s[i + 2])) {
        throw new UrlError(`invalid URL escape ${quoteEscape(s.slice(i))}`)
      }
      // In a host only non-ASCII bytes may be escaped (RFC 6874 zones aside).
      if (mode === "host" && Number.parseInt(hex[0] as string, 16) < 8 && s.slice(i, i + 3) !== "%25") {
        throw new UrlError(`invalid URL escape ${quoteEscape(s.slice(i))}`)
      }
      bytes.push(Number.parseInt(hex, 16))
      i += 3
      continue
    }
    if (mode === "host" && c.charCodeAt(0) < 0x80 && !hostAllowed(c)) {
      throw new UrlError(`invalid character ${goQuote(c)} in host name`)
    }
    for (const b of new TextEncoder().encode(c)) bytes.push(b)
    i += 1
  }
  return new TextDecoder().decode(Uint8Array.from(bytes))
}

const validOptionalPort = (port: string): boolean => port === "" || /^:[0-9]*$/.test(port)

// net/url parseHost.
const parseHost = (host: string): string => {
  if (host.startsWith("[")) {
    const i = host.lastIndexOf("]")
    if (i < 0) throw new UrlError("missing ']' in host")
    const colonPort = host.slice(i + 1)
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`)
  } else {
    const i = host.lastIndexOf(":")
    if (i !== -1) {
      const colonPort = host.slice(i)
      if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`)
    }
  }
  return urlUnescape(host, "host")
}

const validUserinfo = (s: string) => /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s)

/** The host and path Go's `url.Parse("tcp://" + addr)` yields, or its error text. */
const parseTcpUrl = (raw: string): { readonly host: string; readonly path: string } => {
  const hash = raw.indexOf("#")
  const withoutFragment = hash >= 0 ? raw.slice(0, hash) : raw
  const fail = (e: unknown): never => {
    if (e instanceof UrlError) throw new UrlError(`parse ${goQuote(withoutFragment)}: ${e.message}`)
    throw e
  }
  let parsed: { host: string; path: string }
  try {
    if ([...withoutFragment].some((c) => isControl(c.charCodeAt(0))))
      throw new UrlError("net/url: invalid control character in URL")
    let rest = withoutFragment.slice("tcp:".length)
    const q = rest.indexOf("?")
    if (rest.endsWith("?") && q === rest.length - 1) rest = rest.slice(0, -1)
    else if (q >= 0) rest = rest.slice(0, q)
    let authority = rest.slice(2)
    let path = ""
    const slash = authority.indexOf("/")
    if (slash >= 0) [authority, path] = [authority.slice(0, slash), authority.slice(slash)]
    const at = authority.lastIndexOf("@")
    const host = parseHost(at < 0 ? authority : authority.slice(at + 1))
    if (at >= 0) {
      const userinfo = authority.slice(0, at)
      if (!validUserinfo(userinfo)) throw new UrlError("net/url: invalid userinfo")
      urlUnescape(userinfo, "userinfo")
    }
    parsed = { host, path: urlUnescape(path, "path") }
  } catch (e) {
    return fail(e)
  }
  if (hash >= 0) {
    try {
      urlUnescape(raw.slice(hash + 1), "fragment")
    } catch (e) {
      if (e instanceof UrlError) throw new UrlError(`parse ${goQuote(raw)}: ${e.message}`)
      throw e
    }
  }
  return parsed
}

/** Go's `net.SplitHostPort`, with its error texts. */
export const splitHostPort = (hostport: string): Either.Either<readonly [string, string], string> => {
  const err = (why: string) => Either.left(`address ${hostport}: ${why}`)
  const i = hostport.lastIndexOf(":")
  if (i < 0) return err("missing port in address")
  let host: string
  let j = 0
  let k = 0
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]")
    if (end < 0) return err("missing ']' in address")
    if (end + 1 === hostport.length) return err("missing port in address")
    if (end + 1 !== i) return err(hostport[end + 1] === ":" ? "too many colons in address" : "missing port in address")
    host = hostport.slice(1, end)
    j = 1
    k = end + 1
  } else {
    host = hostport.slice(0, i)
    if (host.includes(":")) return err("too many colons in address")
  }
  if (hostport.slice(j).includes("[")) return err("unexpected '[' in address")
  if (hostport.slice(k).includes("]")) return err("unexpected ']' in address")
  return Either.right([host, hostport.slice(i + 1)] as const)
}

/** Go's `net.JoinHostPort`. */
export const joinHostPort = (host: string, port: string): string =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`

// docker's ParseTCPAddr with the `tcp://localhost:2375` default.
const parseTcpAddr = (tryAddr: string): Either.Either<string, string> => {
  if (tryAddr === "" || tryAddr === "tcp://") return Either.right(`tcp://${defaultHttpHost}:${defaultHttpPort}`)
  let addr = tryAddr.startsWith("tcp://") ? tryAddr.slice("tcp://".length) : tryAddr
  if (addr.includes("://") || addr === "") return Either.left(`invalid proto, expected tcp: ${tryAddr}`)
  if (addr.endsWith("]:")) addr += defaultHttpPort
  let url: { host: string; path: string }
  try {
    url = parseTcpUrl(`tcp://${addr}`)
  } catch (e) {
    if (e instanceof UrlError) return Either.left(e.message)
    throw e
  }
  const split = Either.orElse(splitHostPort(url.host), () => splitHostPort(joinHostPort(url.host, defaultHttpPort)))
  if (Either.isLeft(split)) return Either.left(`invalid bind address format: ${tryAddr}`)
  const [host, port] = split.right
  // docker's Atoi check cannot fail here: url.Parse already allowed only digits in the port.
  return Either.right(`tcp://${joinHostPort(host || defaultHttpHost, port || defaultHttpPort)}${url.path}`)
}

const parseSimpleProtoAddr = (proto: string, addr: string, defaultAddr: string): Either.Either<string, string> => {
  const trimmed = addr.startsWith(`${proto}://`) ? addr.slice(proto.length + 3) : addr
  if (trimmed.includes("://")) return Either.left(`invalid proto, expected ${proto}: ${trimmed}`)
  return Either.right(`${proto}://${trimmed === "" ? defaultAddr : trimmed}`)
}

/**
 * docker `opts.ParseHost(tls, value)`: empty → the default socket (or `tcp://localhost:2376` with
 * TLS); `tcp://h` gains port 2375; a bare `h:port` is TCP; `unix://` → default socket; `ssh://` and
 * `fd://` unchanged; anything else is `invalid bind address format: <value>`. Left is the error text.
 */
export const parseDockerHost = (value: string, options: { readonly tls: boolean }): Either.Either<string, string> => {
  // Go's strings.TrimSpace: Unicode White_Space (JS's \s without U+FEFF, plus U+0085).
  const space = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
  const host = value.replace(new RegExp(`^${space}+|${space}+$`, "g"), "")
  if (host === "") return Either.right(defaultDockerHost(options.tls))
  const cut = host.indexOf("://")
  let proto = cut >= 0 ? host.slice(0, cut) : host
  let rest = cut >= 0 ? host.slice(cut + 3) : ""
  if (cut < 0 && proto !== "") {
    rest = proto
    proto = "tcp"
  }
  switch (proto) {
    case "tcp":
      return parseTcpAddr(rest)
    case "unix":
      return parseSimpleProtoAddr("unix", rest, defaultUnixSocket)
    case "npipe":
      return parseSimpleProtoAddr("npipe", rest, defaultNamedPipe)
    case "fd":
    case "ssh":
      return Either.right(host)
    default:
      return Either.left(`invalid bind address format: ${host}`)
  }
}
