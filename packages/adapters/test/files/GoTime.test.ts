import { parseRfc3339 } from "@buildlens/adapters/files"
import { describe, expect, it } from "vitest"

const err = (s: string) => {
  const r = parseRfc3339(s)
  return r._tag === "Error" ? r.message : r.date.toISOString()
}
const layout = '"2006-01-02T15:04:05Z07:00"'

describe("parseRfc3339", () => {
  it("reads the utc times buildx writes and offsets", () => {
    expect(err("2024-05-06T07:08:09Z")).toBe("2024-05-06T07:08:09.000Z")
    expect(err("2024-05-06T07:08:09+02:00")).toBe("2024-05-06T05:08:09.000Z")
    expect(err("2024-05-06T07:08:09.250-01:30")).toBe("2024-05-06T08:38:09.250Z")
    // Go's general parser accepts a one-digit hour.
    expect(err("2024-05-06T7:08:09Z")).toBe("2024-05-06T07:08:09.000Z")
    expect(err("0099-01-01T00:00:00Z")).toBe("0099-01-01T00:00:00.000Z")
  })

  it("names the element it cannot parse", () => {
    expect(err("")).toBe(`parsing time "" as ${layout}: cannot parse "" as "2006"`)
    expect(err("garbage")).toBe(`parsing time "garbage" as ${layout}: cannot parse "garbage" as "2006"`)
    expect(err("2024/05/06T07:08:09Z")).toBe(
      `parsing time "2024/05/06T07:08:09Z" as ${layout}: cannot parse "/05/06T07:08:09Z" as "-"`
    )
    expect(err("2024-5-06T07:08:09Z")).toBe(
      `parsing time "2024-5-06T07:08:09Z" as ${layout}: cannot parse "5-06T07:08:09Z" as "01"`
    )
    expect(err("2024-05-06T07:08:09")).toBe(
      `parsing time "2024-05-06T07:08:09" as ${layout}: cannot parse "" as "Z07:00"`
    )
    expect(err("2024-05-06T07:08:09+0200")).toBe(
      `parsing time "2024-05-06T07:08:09+0200" as ${layout}: cannot parse "+0200" as "Z07:00"`
    )
  })

  it("reports ranges and extra text like go", () => {
    expect(err("2024-13-06T07:08:09Z")).toBe('parsing time "2024-13-06T07:08:09Z": month out of range')
    expect(err("2024-02-30T07:08:09Z")).toBe('parsing time "2024-02-30T07:08:09Z": day out of range')
    expect(err("2024-05-06T24:08:09Z")).toBe('parsing time "2024-05-06T24:08:09Z": hour out of range')
    expect(err("2024-05-06T07:08:09Z\n")).toBe('parsing time "2024-05-06T07:08:09Z\\x0a": extra text: "\\x0a"')
    expect(err("2024-05-06T07:08:09Zé")).toBe('parsing time "2024-05-06T07:08:09Z\\xc3\\xa9": extra text: "\\xc3\\xa9"')
  })
})
