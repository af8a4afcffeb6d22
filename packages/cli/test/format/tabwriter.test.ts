import { describe, expect, it } from "@effect/vitest"
import {
  displayWidth,
  dockerTabwriter,
  goTabwriter,
  runeCount,
  runeWidth,
  type TabwriterSettings,
  tabwrite
} from "../../src/format/tabwriter.js"

describe("tabwrite with go stdlib settings", () => {
  it("aligns tab-terminated cells of contiguous lines and leaves the last cell unpadded", () => {
    expect(tabwrite("Name:\tmybuilder\nLast Activity:\tnow\n", goTabwriter)).toBe(
      "Name:          mybuilder\nLast Activity: now\n"
    )
  })

  it("splits columns into blocks of contiguous lines, as in the tabwriter documentation", () => {
    const input = "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n"
    expect(tabwrite(input, goTabwriter).split("\n")).toEqual([
      "aaaa bbb d",
      "aa   b   dd",
      "a    ",
      "aa   cccc eee",
      ""
    ])
  })

  it("ends every column block at a line without tabs", () => {
    const input = "Name:\tx\nNodes:\nBuildKit version:\tv1\n"
    expect(tabwrite(input, goTabwriter)).toBe("Name: x\nNodes:\nBuildKit version: v1\n")
  })

  it("pads leading empty cells to width one and aligns nested labels per block", () => {
    const input = "Labels:\n\ta:\t1\n\tlonger:\t2\nGC Policy rule#0:\n\tAll:\tfalse\n"
    expect(tabwrite(input, goTabwriter)).toBe("Labels:\n a:      1\n longer: 2\nGC Policy rule#0:\n All: false\n")
  })

  it("treats tabs inside a value as further cells", () => {
    const input = "File#a:\n\t> x\ty\n\t> longer\tz\n"
    expect(tabwrite(input, goTabwriter)).toBe("File#a:\n > x      y\n > longer z\n")
  })

  it("lets a one-tab line end only the inner column blocks (the Annotations quirk)", () => {
    const input = [
      "Devices:",
      "\tName:\tgpu0",
      "\tAutomatically allowed:\tfalse",
      "\tAnnotations:",
      "\t\tk:\tv",
      "\tName:\tgpu1",
      "\tAutomatically allowed:\ttrue",
      ""
    ].join("\n")
    // `\tAnnotations:` ends the label block of gpu0; the annotation line's empty second cell then
    // joins the label block of gpu1, whose widest label indents the annotation key.
    expect(tabwrite(input, goTabwriter).split("\n")).toEqual([
      "Devices:",
      " Name:                  gpu0",
      " Automatically allowed: false",
      " Annotations:",
      `${" ".repeat(24)}k: v`,
      " Name:                  gpu1",
      " Automatically allowed: true",
      ""
    ])
  })

  it("measures cells in runes, not bytes or display columns", () => {
    expect(tabwrite("é漢\tx\nab\ty\n", goTabwriter)).toBe("é漢 x\nab y\n")
  })

  it("does not put a final unterminated cell after a trailing tab into a column", () => {
    expect(tabwrite("a\tb\nlong\t", goTabwriter)).toBe("a b\nlong")
    expect(tabwrite("a\tb\nlong\t\n", goTabwriter)).toBe("a    b\nlong \n")
  })

  it("restarts columns after a form feed, which prints as a newline", () => {
    expect(tabwrite("long\tx\n\fa\tb\n", goTabwriter)).toBe("long x\n\na b\n")
    expect(tabwrite("long\tx\fa\tb\n", goTabwriter)).toBe("long x\na b\n")
  })

  it("treats a vertical tab as a cell terminator", () => {
    expect(tabwrite("a\vb\nccc\vd\n", goTabwriter)).toBe("a   b\nccc d\n")
  })

  it("pads with tabs rounded up to the tab width when the pad char is a tab", () => {
    // The example of Go's Writer.Init documentation: minwidth 0, tabwidth 8, padding 0, '\t'.
    const tabs: TabwriterSettings = { minWidth: 0, tabWidth: 8, padding: 0, padChar: "\t", cellWidth: runeCount }
    expect(tabwrite("a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n", tabs)).toBe(
      "a\tb\tc\td\t\t.\n123\t12345\t1234567\t123456789\t.\n"
    )
  })
})

describe("tabwrite with docker settings", () => {
  it("applies the minimum width of ten and pads empty cells too", () => {
    expect(tabwrite("A\tB\tC\nx\t\t\n", dockerTabwriter)).toBe(`A         B         C\nx${" ".repeat(19)}\n`)
  })

  it("measures East Asian wide characters as two columns", () => {
    const out = tabwrite("漢字漢字漢字\tx\nabc\ty\n", dockerTabwriter)
    expect(out).toBe("漢字漢字漢字   x\nabc            y\n")
  })
})

describe("displayWidth", () => {
  it("counts ascii printable characters once and controls not at all", () => {
    expect(displayWidth("linux/amd64")).toBe(11)
    expect(displayWidth("a\u0007b")).toBe(2)
  })

  it("counts wide characters and emoji as two", () => {
    expect(displayWidth("ビルダー")).toBe(8)
    expect(displayWidth("🐳")).toBe(2)
    expect(displayWidth("한국")).toBe(4)
  })

  it("counts a grapheme cluster by its first rune that has a width", () => {
    expect(displayWidth("e\u0301")).toBe(1)
    expect(displayWidth("👨‍👩‍👧")).toBe(2)
    expect(displayWidth("\u0301")).toBe(0)
  })

  it("gives zero width to format characters and one to ambiguous ones", () => {
    expect(runeWidth(0x200b)).toBe(0)
    expect(runeWidth(0xfeff)).toBe(0)
    expect(runeWidth(0x00e9)).toBe(1)
    expect(runeWidth(0x2460)).toBe(1)
    expect(runeWidth(0x3099)).toBe(0)
    expect(runeWidth(0xff21)).toBe(2)
  })
})
