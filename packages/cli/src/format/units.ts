/**
 * The Go formatting primitives buildx output depends on: go-units `BytesSize` (Go `%.4g`),
 * `time.Duration.String`, the RFC 3339 and `Time.String` layouts, and `strings.TrimSpace`.
 * Each reproduces Go's exact bytes, including rounding (half to even on exact ties).
 */

/** A decimal digit string with the position of the decimal point (digits before it), as Go's strconv keeps it. */
interface Decimal {
  readonly digits: string
  readonly point: number
}

// The exact decimal expansion of a finite positive double: mantissa * 2^exponent, done with BigInt.
const exactDecimal = (value: number): Decimal => {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  const high = view.getUint32(0)
  const biased = (high >>> 20) & 0x7ff
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4))
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n)
  const exponent = (biased === 0 ? 1 : biased) - 1075
  if (exponent >= 0) {
    const digits = (mantissa << BigInt(exponent)).toString()
    return trimZeros({ digits, point: digits.length })
  }
  const digits = (mantissa * 5n ** BigInt(-exponent)).toString()
  return trimZeros({ digits, point: digits.length + exponent })
}

const trimZeros = (d: Decimal): Decimal => ({
  digits: d.digits.replace(/0+$/, ""),
  point: d.digits === "" ? 0 : d.point
})

// strconv rounds the exact value to n significant digits, half to even when exactly halfway.
const roundTo = (d: Decimal, n: number): Decimal => {
  if (d.digits.length <= n) {
    return d
  }
  const next = d.digits.charCodeAt(n) - 48
  const halfway = next === 5 && d.digits.length === n + 1
  const up = halfway ? n > 0 && (d.digits.charCodeAt(n - 1) - 48) % 2 === 1 : next >= 5
  const kept = d.digits.slice(0, n)
  if (!up) {
    return trimZeros({ digits: kept, point: d.point })
  }
  const incremented = (BigInt(kept === "" ? "0" : kept) + 1n).toString()
  return incremented.length > kept.length
    ? trimZeros({ digits: incremented, point: d.point + 1 })
    : trimZeros({ digits: incremented.padStart(kept.length, "0"), point: d.point })
}

const fixed = (d: Decimal, decimals: number): string => {
  let out = d.point > 0 ? d.digits.slice(0, d.point).padEnd(d.point, "0") : "0"
  if (decimals > 0) {
    out += "."
    for (let i = 0; i < decimals; i++) {
      const j = d.point + i
      out += j >= 0 && j < d.digits.length ? d.digits[j] : "0"
    }
  }
  return out
}

const exponential = (d: Decimal, decimals: number): string => {
  const first = d.digits === "" ? "0" : d.digits.slice(0, 1)
  const rest = decimals > 0 ? `.${d.digits.slice(1, 1 + decimals).padEnd(decimals, "0")}` : ""
  const exp = d.digits === "" ? 0 : d.point - 1
  return `${first}${rest}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`
}

/** Go's `%.<precision>g` for a float64: `precision` significant digits, trailing zeros dropped. */
export const formatG = (value: number, precision: number): string => {
  if (Number.isNaN(value)) {
    return "NaN"
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? "+Inf" : "-Inf"
  }
  const sign = value < 0 || Object.is(value, -0) ? "-" : ""
  const prec = precision === 0 ? 1 : precision
  const d = value === 0 ? { digits: "", point: 0 } : roundTo(exactDecimal(Math.abs(value)), prec)
  const nd = d.digits.length
  const eprec = prec > nd && nd >= d.point ? nd : prec
  const exp = d.point - 1
  if (exp < -4 || exp >= eprec) {
    return sign + exponential(d, Math.min(prec, nd) - 1)
  }
  return sign + fixed(d, Math.max((prec > d.point ? nd : prec) - d.point, 0))
}

const binaryUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"] as const

/** go-units `BytesSize`: binary units, the number divided by 1024 while ≥ 1024, printed with `%.4g`. */
export const bytesSize = (bytes: number): string => {
  let size = bytes
  let unit = 0
  while (size >= 1024 && unit < binaryUnits.length - 1) {
    size /= 1024
    unit++
  }
  return `${formatG(size, 4)}${binaryUnits[unit]}`
}

// The fraction v / 10^precision without trailing zeros (and without the point when it is zero).
const fraction = (v: bigint, precision: number): { readonly text: string; readonly rest: bigint } => {
  let text = ""
  let rest = v
  let print = false
  for (let i = 0; i < precision; i++) {
    const digit = rest % 10n
    print = print || digit !== 0n
    if (print) {
      text = digit.toString() + text
    }
    rest /= 10n
  }
  return { text: print ? `.${text}` : "", rest }
}

/** Go's `time.Duration.String` for a number of nanoseconds: `1h0m0s`, `1m30s`, `2.5s`, `500ms`, `0s`. */
export const goDuration = (nanoseconds: number): string => {
  const whole = BigInt(Math.trunc(nanoseconds))
  const sign = whole < 0n ? "-" : ""
  const u = whole < 0n ? -whole : whole
  if (u === 0n) {
    return "0s"
  }
  if (u < 1_000_000_000n) {
    const [precision, unit] = u < 1000n ? [0, "ns"] : u < 1_000_000n ? [3, "µs"] : [6, "ms"]
    const { text, rest } = fraction(u, precision)
    return `${sign}${rest}${text}${unit}`
  }
  const { text, rest: seconds } = fraction(u, 9)
  const minutes = seconds / 60n
  const hours = minutes / 60n
  const s = `${seconds % 60n}${text}s`
  if (minutes === 0n) {
    return sign + s
  }
  const m = `${minutes % 60n}m${s}`
  return sign + (hours === 0n ? m : `${hours}h${m}`)
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

const dateAndClock = (date: Date, separator: string): string =>
  `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
  `${separator}${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`

// Go's `.999999999` layout element: the fraction with trailing zeros removed, nothing when zero.
const trimmedFraction = (date: Date): string => {
  const ms = date.getUTCMilliseconds()
  return ms === 0 ? "" : `.${pad(ms, 3).replace(/0+$/, "")}`
}

/** Go's zero `time.Time` in RFC 3339, what buildx JSON shows for a builder never used. */
export const zeroTimeRfc3339 = "0001-01-01T00:00:00Z"

/** `t.UTC().Format(time.RFC3339)`: `2024-05-06T07:08:09Z`, seconds precision. */
export const rfc3339 = (date: Date): string => `${dateAndClock(date, "T")}Z`

/** Go `time.Time` JSON (RFC 3339 with the fraction trimmed) for a UTC time. */
export const rfc3339Nano = (date: Date): string => `${dateAndClock(date, "T")}${trimmedFraction(date)}Z`

/** Go `Time.String` of a UTC time: `2024-05-06 07:08:09 +0000 UTC`, fraction trimmed. */
export const goTimeString = (date: Date): string => `${dateAndClock(date, " ")}${trimmedFraction(date)} +0000 UTC`

/** Go's `strings.TrimSpace`: trims Unicode White_Space (which, unlike `String.prototype.trim`, keeps U+FEFF). */
export const goTrimSpace = (s: string): string =>
  s
    .replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, "")
    .replace(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/, "")
