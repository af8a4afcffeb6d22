/**
 * Go's `time.Parse(time.RFC3339, s)` as buildx reads `activity/<name>`: the general layout parser
 * (lenient one-digit hour, optional fractional seconds) with Go's exact `ParseError` texts.
 */

export const RFC3339 = "2006-01-02T15:04:05Z07:00"

/** Go's `time.quote`: non-ASCII and control bytes as `\xNN`, `"` and `\` escaped. */
const goTimeQuote = (s: string): string => {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of new TextEncoder().encode(ch)) out += `\\x${b.toString(16).padStart(2, "0")}`
    } else {
      out += ch === '"' || ch === "\\" ? `\\${ch}` : ch
    }
  }
  return `${out}"`
}

/** A parse result: the instant, or Go's error text. */
type TimeParse = { readonly _tag: "Time"; readonly date: Date } | { readonly _tag: "Error"; readonly message: string }

const isDigitAt = (s: string, i: number): boolean => i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39

class Bad {}
const bad = new Bad()

const getnum = (s: string, fixed: boolean): [number, string] => {
  if (!isDigitAt(s, 0)) throw bad
  if (!isDigitAt(s, 1)) {
    if (fixed) throw bad
    return [s.charCodeAt(0) - 0x30, s.slice(1)]
  }
  return [(s.charCodeAt(0) - 0x30) * 10 + (s.charCodeAt(1) - 0x30), s.slice(2)]
}

const daysIn = (month: number, year: number): number => {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

// The RFC3339 layout as Go's nextStdChunk splits it: literal prefix, then the element.
const chunks: ReadonlyArray<readonly [prefix: string, element: string]> = [
  ["", "2006"],
  ["-", "01"],
  ["-", "02"],
  ["T", "15"],
  [":", "04"],
  [":", "05"],
  ["", "Z07:00"]
]

/** Parses `value` with Go's RFC3339 layout; the error text is Go's, byte for byte. */
export const parseRfc3339 = (value: string): TimeParse => {
  const whole = goTimeQuote(value)
  const layout = goTimeQuote(RFC3339)
  const cannot = (valueElem: string, layoutElem: string): TimeParse => ({
    _tag: "Error",
    message: `parsing time ${whole} as ${layout}: cannot parse ${goTimeQuote(valueElem)} as ${goTimeQuote(layoutElem)}`
  })
  const withMessage = (message: string): TimeParse => ({ _tag: "Error", message: `parsing time ${whole}${message}` })

  let rest = value
  let year = 0
  let month = -1
  let day = -1
  let hour = 0
  let minute = 0
  let second = 0
  let millis = 0
  let offsetSeconds = 0
  for (const [prefix, element] of chunks) {
    if (!rest.startsWith(prefix)) {
      // Go names only the literal prefix it could not skip (prefixes here are one byte).
      return cannot(rest, prefix)
    }
    rest = rest.slice(prefix.length)
    const hold = rest
    let range: string | undefined
    try {
      switch (element) {
        case "2006":
          if (rest.length < 4 || !isDigitAt(rest, 0)) throw bad
          if (!/^\d{4}$/.test(rest.slice(0, 4))) throw bad
          year = Number(rest.slice(0, 4))
          rest = rest.slice(4)
          break
        case "01":
          ;[month, rest] = getnum(rest, true)
          if (month <= 0 || month > 12) range = "month"
          break
        case "02":
          ;[day, rest] = getnum(rest, true)
          break
        case "15":
          ;[hour, rest] = getnum(rest, false)
          if (hour >= 24) range = "hour"
          break
        case "04":
          ;[minute, rest] = getnum(rest, true)
          if (minute >= 60) range = "minute"
          break
        case "05": {
          ;[second, rest] = getnum(rest, true)
          if (second >= 60) {
            range = "second"
            break
          }
          // A fraction the layout does not have is still accepted after the seconds.
          if (rest.length >= 2 && (rest[0] === "." || rest[0] === ",") && isDigitAt(rest, 1)) {
            let n = 2
            while (isDigitAt(rest, n)) n++
            const digits = rest.slice(1, Math.min(n, 10))
            millis = Number(`0.${digits}`) * 1000
            rest = rest.slice(n)
          }
          break
        }
        case "Z07:00": {
          if (rest.startsWith("Z")) {
            rest = rest.slice(1)
            break
          }
          if (rest.length < 6 || rest[3] !== ":") throw bad
          const sign = rest[0]
          // Go records a failed number and still runs the range checks, which win over it.
          let failed = false
          const num = (s: string): number => {
            if (failed) return 0
            try {
              return getnum(s, true)[0]
            } catch {
              failed = true
              return 0
            }
          }
          const hh = num(rest.slice(1, 3))
          const mm = num(rest.slice(4, 6))
          rest = rest.slice(6)
          if (hh > 24) range = "time zone offset hour"
          if (mm > 60) range = "time zone offset minute"
          if (range === undefined && (failed || (sign !== "+" && sign !== "-"))) throw bad
          offsetSeconds = (sign === "-" ? -1 : 1) * (hh * 3600 + mm * 60)
          break
        }
      }
    } catch (e) {
      if (e !== bad) throw e
      return cannot(hold, element)
    }
    if (range !== undefined) return withMessage(`: ${range} out of range`)
  }
  if (rest.length > 0) return withMessage(`: extra text: ${goTimeQuote(rest)}`)
  if (day < 1 || day > daysIn(month, year)) return withMessage(": day out of range")
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, Math.floor(millis))
  // TODO(activity precision): Date drops sub-millisecond digits and the UTC offset, which Go keeps and prints.
  return { _tag: "Time", date: new Date(date.getTime() - offsetSeconds * 1000) }
}

/** Go's zero time (`0001-01-01T00:00:00Z`), which buildx treats as "no activity". */
export const isGoZeroTime = (date: Date): boolean => date.getTime() === goZeroTime

const goZeroTime = (() => {
  const d = new Date(0)
  d.setUTCFullYear(1, 0, 1)
  d.setUTCHours(0, 0, 0, 0)
  return d.getTime()
})()
