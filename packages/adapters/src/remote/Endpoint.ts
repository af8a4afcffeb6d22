/**
 * Remote endpoints as buildx reads them: Go's `net/url` Parse (the part that decides success, the
 * scheme and the host, with Go's error texts), buildx's scheme check (`driver/remote/util`), and the
 * gRPC `:authority` the remote driver sends.
 */
import { goQuote } from "@buildlens/core"

/** The fields of a Go `*url.URL` the remote driver reads. */
export interface GoUrl {
  /** Lower-cased, as Go stores it. */
  readonly scheme: string
  readonly opaque: string
  /** `host[:port]`, unescaped. */
  readonly host: string
  readonly path: string
}

/** The URL or Go's error text (`parse "<url>": <reason>`). */
export type GoUrlResult =
  | { readonly _tag: "Url"; readonly url: GoUrl }
  | { readonly _tag: "Error"; readonly error: string }

const isAlpha = (c: string): boolean => /^[A-Za-z]$/.test(c)
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c)

/** Go `getScheme`: the scheme before the first `:`, none when an illegal character comes first. */
const getScheme = (raw: string): { scheme: string; rest: string } | string => {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i)
    if (isAlpha(c)) continue
    if (/^[0-9+\-.]$/.test(c)) {
      if (i === 0) return { scheme: "", rest: raw }
      continue
    }
    if (c === ":") {
      if (i === 0) return "missing protocol scheme"
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) }
    }
    return { scheme: "", rest: raw }
  }
  return { scheme: "", rest: raw }
}

const validOptionalPort = (port: string): boolean => port === "" || /^:[0-9]*$/.test(port)

// Characters a host may carry unescaped besides letters, digits and `-._~` (Go shouldEscape, encodeHost).
const hostSubDelims = "!$&'()*+,;=:[]<>\""

/** Go `unescape` in host or path mode: validates `%XX` escapes (and host characters) and decodes. */
const goUnescape = (s: string, mode: "host" | "path"): { value: string } | string => {
  const bytes: Array<number> = []
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i)
    if (c === "%") {
      const sequence = s.slice(i, i + 3)
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) return `invalid URL escape ${goQuote(sequence)}`
      const byte = Number.parseInt(s.slice(i + 1, i + 3), 16)
      // Go allows percent-encoding in a host only for non-ASCII bytes (and %25 in zones).
      if (mode === "host" && byte < 0x80 && sequence !== "%25") return `invalid URL escape ${goQuote(sequence)}`
      bytes.push(byte)
      i += 2
      continue
    }
    const code = c.charCodeAt(0)
    if (mode === "host" && code < 0x80 && !/^[A-Za-z0-9\-._~]$/.test(c) && !hostSubDelims.includes(c)) {
      return `invalid character ${goQuote(c)} in host name`
    }
    for (const b of new TextEncoder().encode(c)) bytes.push(b)
  }
  return { value: new TextDecoder().decode(new Uint8Array(bytes)) }
}

const parseHost = (host: string): { value: string } | string => {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]")
    if (close < 0) return "missing ']' in host"
    const colonPort = host.slice(close + 1)
    if (!validOptionalPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`
  } else {
    const colon = host.lastIndexOf(":")
    if (colon >= 0) {
      const colonPort = host.slice(colon)
      if (!validOptionalPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`
    }
  }
  return goUnescape(host, "host")
}

const validUserinfo = (s: string): boolean => /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s)

const parseAuthority = (authority: string): { host: string } | string => {
  const at = authority.lastIndexOf("@")
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1))
  if (typeof host === "string") return host
  if (at >= 0 && !validUserinfo(authority.slice(0, at))) return "net/url: invalid userinfo"
  return { host: host.value }
}

/** Go `url.Parse` for what the remote driver needs: success, scheme, host. */
export const parseGoUrl = (raw: string): GoUrlResult => {
  const hash = raw.indexOf("#")
  const u = hash < 0 ? raw : raw.slice(0, hash)
  const fail = (reason: string): GoUrlResult => ({ _tag: "Error", error: `parse ${goQuote(u)}: ${reason}` })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Go rejects exactly the ASCII control bytes.
  if (/[\u0000-\u001f\u007f]/.test(u)) return fail("net/url: invalid control character in URL")
  if (u === "*") return { _tag: "Url", url: { scheme: "", opaque: "", host: "", path: "*" } }
  const scheme = getScheme(u)
  if (typeof scheme === "string") return fail(scheme)
  let rest = scheme.rest
  if (rest.endsWith("?") && rest.split("?").length === 2) rest = rest.slice(0, -1)
  else {
    const q = rest.indexOf("?")
    if (q >= 0) rest = rest.slice(0, q)
  }
  const lower = scheme.scheme.toLowerCase()
  if (!rest.startsWith("/")) {
    if (lower !== "") return { _tag: "Url", url: { scheme: lower, opaque: rest, host: "", path: "" } }
    const segment = rest.split("/")[0] ?? ""
    if (segment.includes(":")) return fail("first path segment in URL cannot contain colon")
  }
  let host = ""
  if ((lower !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2)
    rest = ""
    const slash = authority.indexOf("/")
    if (slash >= 0) {
      rest = authority.slice(slash)
      authority = authority.slice(0, slash)
    }
    const parsed = parseAuthority(authority)
    if (typeof parsed === "string") return fail(parsed)
    host = parsed.host
  }
  const path = goUnescape(rest, "path")
  if (typeof path === "string") return fail(path)
  if (hash >= 0) {
    const fragment = goUnescape(raw.slice(hash + 1), "path")
    if (typeof fragment === "string") return { _tag: "Error", error: `parse ${goQuote(raw)}: ${fragment}` }
  }
  return { _tag: "Url", url: { scheme: lower, opaque: "", host, path: path.value } }
}

/** Go `URL.Hostname()`: the host without port and IPv6 brackets. */
export const goHostname = (url: GoUrl): string => {
  let host = url.host
  const colon = host.lastIndexOf(":")
  if (colon >= 0 && validOptionalPort(host.slice(colon))) host = host.slice(0, colon)
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1)
  return host
}

/** The schemes the remote driver accepts (v0.12-era buildx lacked `npipe`). */
export const remoteSchemes: ReadonlyArray<string> = ["docker-container", "kube-pod", "npipe", "ssh", "tcp", "unix"]

/** buildx `IsValidEndpoint`: undefined when valid, else its error text. */
export const validateEndpoint = (endpoint: string): string | undefined => {
  const parsed = parseGoUrl(endpoint)
  if (parsed._tag === "Error") return `failed to parse endpoint ${endpoint}: ${parsed.error}`
  if (!remoteSchemes.includes(parsed.url.scheme)) return `unrecognized url scheme ${parsed.url.scheme}`
  return undefined
}

/**
 * The `:authority` the remote driver sends: the TLS server name when set, else the endpoint's URL
 * host (`tcp://h:443` → `h:443`), else none (unix sockets, unparsable endpoints).
 */
export const clientAuthority = (endpoint: string, serverName: string | undefined): string | undefined => {
  if (serverName !== undefined && serverName !== "") return serverName
  const parsed = parseGoUrl(endpoint)
  return parsed._tag === "Url" && parsed.url.host !== "" ? parsed.url.host : undefined
}
