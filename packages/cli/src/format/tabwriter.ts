/**
 * Elastic tabstops as Go's `text/tabwriter` lays them out, with the two configurations buildx uses:
 * the Go stdlib writer of `inspect` (widths in runes) and docker/cli's fork used by `ls` (terminal
 * display width). Only the features those callers need are here: left alignment, no flags.
 */

/** The parameters of Go's `NewWriter(out, minwidth, tabwidth, padding, padchar, 0)`, plus how a cell is measured. */
export interface TabwriterSettings {
  /** Minimal column width, padding included. */
  readonly minWidth: number
  /** Width of a tab, only used when `padChar` is a tab. */
  readonly tabWidth: number
  /** Added to the widest cell of a column. */
  readonly padding: number
  readonly padChar: string
  readonly cellWidth: (text: string) => number
}

/** Go's `utf8.RuneCountInString`: one per code point. */
export const runeCount = (text: string): number => {
  let n = 0
  for (const _ of text) {
    n++
  }
  return n
}

// go-runewidth's tables (Unicode data, default non-East-Asian condition), as hex ranges.
const parseRanges = (spec: string): ReadonlyArray<readonly [number, number]> =>
  spec.split(" ").map((item) => {
    const [first = "0", last = first] = item.split("-")
    return [Number.parseInt(first, 16), Number.parseInt(last, 16)] as const
  })

const zeroWidthRanges = parseRanges(
  // combining marks go-runewidth treats as zero width, merged with its non-printing ranges
  "300-36f 483-489 70f 7eb-7f3 c00 c04 cf3 d00-d01 135d-135f 180b-180f 1a7f 1ab0-1add 1ae0-1aeb 1b6b-1b73 " +
    "1dc0-1dff 200b-200f 2028-202e 206a-206f 20d0-20f0 2cef-2cf1 2de0-2dff 3099-309a a66f-a672 a674-a67d a69e-a69f " +
    "a6f0-a6f1 a8e0-a8f1 d800-dfff fe00-fe0f fe20-fe2f feff fff9-fffb fffe-ffff 101fd 10376-1037a 10eab-10eac " +
    "10f46-10f50 10f82-10f85 11300-11301 1133b-1133c 11366-1136c 11370-11374 16af0-16af4 1cf00-1cf2d 1cf30-1cf46 " +
    "1d165-1d169 1d16d-1d172 1d17b-1d182 1d185-1d18b 1d1aa-1d1ad 1d242-1d244 1e000-1e006 1e008-1e018 1e01b-1e021 " +
    "1e023-1e024 1e026-1e02a 1e08f 1e8d0-1e8d6 e0100-e01ef"
)

const wideRanges = parseRanges(
  // East Asian Wide and Fullwidth (emoji presentation included)
  "1100-115f 231a-231b 2329-232a 23e9-23ec 23f0 23f3 25fd-25fe 2614-2615 2630-2637 2648-2653 267f 268a-268f 2693 " +
    "26a1 26aa-26ab 26bd-26be 26c4-26c5 26ce 26d4 26ea 26f2-26f3 26f5 26fa 26fd 2705 270a-270b 2728 274c 274e " +
    "2753-2755 2757 2795-2797 27b0 27bf 2b1b-2b1c 2b50 2b55 2e80-2e99 2e9b-2ef3 2f00-2fd5 2ff0-303e 3041-3096 " +
    "3099-30ff 3105-312f 3131-318e 3190-31e5 31ef-321e 3220-3247 3250-a48c a490-a4c6 a960-a97c ac00-d7a3 f900-faff " +
    "fe10-fe19 fe30-fe52 fe54-fe66 fe68-fe6b ff01-ff60 ffe0-ffe6 16fe0-16fe4 16ff0-16ff6 17000-18cd5 18cff-18d1e " +
    "18d80-18df2 1aff0-1aff3 1aff5-1affb 1affd-1affe 1b000-1b122 1b132 1b150-1b152 1b155 1b164-1b167 1b170-1b2fb " +
    "1d300-1d356 1d360-1d376 1f004 1f0cf 1f18e 1f191-1f19a 1f200-1f202 1f210-1f23b 1f240-1f248 1f250-1f251 " +
    "1f260-1f265 1f300-1f320 1f32d-1f335 1f337-1f37c 1f37e-1f393 1f3a0-1f3ca 1f3cf-1f3d3 1f3e0-1f3f0 1f3f4 " +
    "1f3f8-1f43e 1f440 1f442-1f4fc 1f4ff-1f53d 1f54b-1f54e 1f550-1f567 1f57a 1f595-1f596 1f5a4 1f5fb-1f64f " +
    "1f680-1f6c5 1f6cc 1f6d0-1f6d2 1f6d5-1f6d8 1f6dc-1f6df 1f6eb-1f6ec 1f6f4-1f6fc 1f7e0-1f7eb 1f7f0 1f90c-1f93a " +
    "1f93c-1f945 1f947-1f9ff 1fa70-1fa7c 1fa80-1fa8a 1fa8e-1fac6 1fac8 1facd-1fadc 1fadf-1faea 1faef-1faf8 " +
    "20000-2fffd 30000-3fffd"
)

const inRanges = (rune: number, ranges: ReadonlyArray<readonly [number, number]>): boolean => {
  let low = 0
  let high = ranges.length - 1
  while (low <= high) {
    const mid = (low + high) >> 1
    const [first, last] = ranges[mid] ?? [0, -1]
    if (last < rune) {
      low = mid + 1
    } else if (first > rune) {
      high = mid - 1
    } else {
      return true
    }
  }
  return false
}

/** go-runewidth `RuneWidth` outside CJK locales: controls and combining marks 0, East Asian wide 2, else 1. */
export const runeWidth = (rune: number): number => {
  if (rune < 0x20 || (rune >= 0x7f && rune <= 0x9f) || rune === 0xad) {
    return 0
  }
  if (rune < 0x300) {
    return 1
  }
  if (inRanges(rune, zeroWidthRanges)) {
    return 0
  }
  return inRanges(rune, wideRanges) ? 2 : 1
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" })

/**
 * go-runewidth `StringWidth`: per grapheme cluster, the width of its first rune that has a width.
 * TODO(CJK locale users): go-runewidth counts ambiguous-width runes as 2 when LANG is a CJK locale; we always count 1.
 */
export const displayWidth = (text: string): number => {
  let width = 0
  for (const { segment } of graphemes.segment(text)) {
    for (const char of segment) {
      const w = runeWidth(char.codePointAt(0) ?? 0)
      if (w > 0) {
        width += w
        break
      }
    }
  }
  return width
}

/** `tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)`, what `buildx inspect` writes through. */
export const goTabwriter: TabwriterSettings = {
  minWidth: 0,
  tabWidth: 0,
  padding: 1,
  padChar: " ",
  cellWidth: runeCount
}

/** docker/cli's formatter tabwriter, `NewWriter(w, 10, 1, 3, ' ', 0)`, what `buildx ls` tables use. */
export const dockerTabwriter: TabwriterSettings = {
  minWidth: 10,
  tabWidth: 1,
  padding: 3,
  padChar: " ",
  cellWidth: displayWidth
}

interface Cell {
  readonly text: string
  readonly width: number
}

interface Line {
  readonly cells: ReadonlyArray<Cell>
  /** What ended the line: a newline, a form feed (which also ends every column), or nothing for the last. */
  readonly end: "\n" | "\f" | ""
}

// Cells end at `\t` or `\v`, lines at `\n` or `\f`. An unterminated empty cell at the very end is
// no cell at all, so `a\t` at the end of the input does not put `a` in a column.
const splitLines = (text: string, settings: TabwriterSettings): ReadonlyArray<Line> => {
  const lines: Array<Line> = []
  let cells: Array<Cell> = []
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === "\t" || ch === "\v" || ch === "\n" || ch === "\f") {
      const cell = text.slice(start, i)
      cells.push({ text: cell, width: settings.cellWidth(cell) })
      start = i + 1
      if (ch === "\n" || ch === "\f") {
        lines.push({ cells, end: ch })
        cells = []
      }
    }
  }
  const rest = text.slice(start)
  if (rest !== "") {
    cells.push({ text: rest, width: settings.cellWidth(rest) })
  }
  lines.push({ cells, end: "" })
  return lines
}

/**
 * Assigns each line the column widths in force when it is written. A column block is a maximal run of
 * lines having a tab-terminated cell at that column; the block's width comes from its widest cell, and
 * the next column's blocks are found inside it. A line's last cell is never part of a column.
 */
const assignWidths = (
  lines: ReadonlyArray<Line>,
  from: number,
  to: number,
  widths: ReadonlyArray<number>,
  settings: TabwriterSettings,
  result: Array<ReadonlyArray<number>>
): void => {
  const column = widths.length
  const inColumn = (index: number): boolean => (lines[index]?.cells.length ?? 0) - 1 > column
  let i = from
  while (i < to) {
    if (!inColumn(i)) {
      result[i] = widths
      i++
      continue
    }
    let end = i
    let width = settings.minWidth
    while (end < to && inColumn(end)) {
      width = Math.max(width, (lines[end]?.cells[column]?.width ?? 0) + settings.padding)
      end++
    }
    assignWidths(lines, i, end, [...widths, width], settings, result)
    i = end
  }
}

const padding = (textWidth: number, cellWidth: number, settings: TabwriterSettings): string => {
  if (settings.padChar !== "\t") {
    return settings.padChar.repeat(cellWidth - textWidth)
  }
  if (settings.tabWidth === 0) {
    return ""
  }
  const rounded = Math.ceil(cellWidth / settings.tabWidth) * settings.tabWidth
  return "\t".repeat(Math.ceil((rounded - textWidth) / settings.tabWidth))
}

/** Lays out tab-separated text like writing it all to a Go tabwriter and flushing once. */
export const tabwrite = (text: string, settings: TabwriterSettings): string => {
  const lines = splitLines(text, settings)
  const widths: Array<ReadonlyArray<number>> = []
  // A form feed flushes: the lines after it start new columns.
  let from = 0
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.end !== "\n") {
      assignWidths(lines, from, i + 1, [], settings, widths)
      from = i + 1
    }
  }
  let out = ""
  lines.forEach((line, i) => {
    const lineWidths = widths[i] ?? []
    line.cells.forEach((cell, j) => {
      const columnWidth = lineWidths[j]
      out += cell.text
      if (columnWidth !== undefined) {
        out += padding(cell.width, columnWidth, settings)
      }
    })
    // Go writes a newline for every line but the unterminated last one; a form feed prints as a newline.
    out += line.end === "" ? "" : "\n"
  })
  return out
}
