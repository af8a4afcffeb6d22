/**
 * moby → BuildKit version mapping of the docker driver (SPEC §4.1, §6 1–23): buildx's own test
 * cases, the derived edges of the table, and the Debian daemon version of this machine.
 */
import { describe, expect, it } from "@effect/vitest"
import { buildkitVersionFor, mobyBuildkitVersions } from "../../src/docker/version.js"

const cases: ReadonlyArray<readonly [string, string]> = [
  // §6 1–19, buildx driver/docker/version_test.go
  ["18.06.1-ce", "v0.0.0+98f1604"],
  ["18.09.1-beta1", "v0.3.3"],
  ["19.03.0-beta1", "v0.4.0+b302896"],
  ["19.03.5-beta2", "v0.6.2+ff93519"],
  ["19.03.13-beta1", "v0.6.4+da1f4bf"],
  ["19.03.13-beta2", "v0.6.4+da1f4bf"],
  ["19.03.13", "v0.6.4+df89d4d"],
  ["20.10.3-rc.1", "v0.8.1+68bb095"],
  ["20.10.3", "v0.8.1+68bb095"],
  ["20.10.4", "v0.8.2"],
  ["20.10.16", "v0.8.2+bc07b2b8"],
  ["20.10.19", "v0.8.2+3a1eeca5"],
  ["20.10.23", "v0.8.2+eeb7b65"],
  ["20.10.24", "v0.8+unknown"],
  ["20.10.50", "v0.8+unknown"],
  ["22.06.0-beta.0", "v0.10.3"],
  ["22.06.0", "v0.10.3"],
  ["23.0.0-rc.4", "v0.10.6"],
  ["23.0.0", "v0.10.6"],
  ["23.0.1", "v0.10.6+4f0ee09"],
  ["23.0.2-rc.1", "v0.10.6+70f2ad5"],
  ["23.0.3", "v0.10.6+70f2ad5"],
  ["23.0.5", "v0.10.6+d52b2d5"],
  ["23.0.7", "v0.10+unknown"],
  // §6 20: ranges that end at `...-0` let the release itself fall through to `~20.10-0`
  ["20.10.2", "v0.8+unknown"],
  ["20.10.0", "v0.8.1"],
  ["20.10.1", "v0.8.1"],
  ["20.10.6", "v0.8.2"],
  // §6 21: the tilde of row 4 swallows every later 18.09 release
  ["18.09.6", "v0.3.3"],
  ["19.03.0", "v0.5.1+1f89ec1"],
  ["19.03.2", "v0.6.1+588c73e"],
  // §6 22–23: no row, so the string itself with `-moby` removed
  ["24.0.7", "24.0.7"],
  ["25.0.0-moby", "25.0.0"],
  ["dev", "dev"],
  // the Debian daemon on this machine: build metadata does not take part in the order
  ["20.10.24+dfsg1", "v0.8+unknown"]
]

describe("buildkitVersionFor", () => {
  for (const [moby, buildkit] of cases) {
    it(`maps ${moby} to ${buildkit}`, () => {
      expect(buildkitVersionFor(moby)).toBe(buildkit)
    })
  }

  it("reads versions loosely: v prefix, leading zeros, missing minor and patch", () => {
    expect(buildkitVersionFor("v23.0.1")).toBe("v0.10.6+4f0ee09")
    expect(buildkitVersionFor("023.00.001")).toBe("v0.10.6+4f0ee09")
    expect(buildkitVersionFor("23")).toBe("v0.10.6")
    expect(buildkitVersionFor("23.0")).toBe("v0.10.6")
    expect(buildkitVersionFor("20.10")).toBe("v0.8.1")
  })

  it("holds tilde rows to their major and minor", () => {
    expect(buildkitVersionFor("18.10.0")).toBe("v0.4.0+05766c5")
    expect(buildkitVersionFor("20.11.0")).toBe("20.11.0")
    expect(buildkitVersionFor("22.07.0")).toBe("22.07.0")
    expect(buildkitVersionFor("23.1.0")).toBe("v0.10+unknown")
  })

  it("treats a numeric prerelease with a leading zero as unparsable", () => {
    expect(buildkitVersionFor("20.10.24-01")).toBe("20.10.24-01")
    expect(buildkitVersionFor("20.10.24-1")).toBe("v0.8+unknown")
  })

  it("keeps release-only groups closed to prereleases", () => {
    // `<= 19.03.14` and `< 20.10.0` have no prerelease term: the rc matches no row, the release takes row 23.
    expect(buildkitVersionFor("19.03.15-rc1")).toBe("19.03.15-rc1")
    expect(buildkitVersionFor("19.03.15")).toBe("v0.6.4+396bfe2")
  })

  it("removes only one trailing -moby", () => {
    expect(buildkitVersionFor("24.0.7-moby-moby")).toBe("24.0.7-moby")
    expect(buildkitVersionFor("not-a-version-moby")).toBe("not-a-version")
    expect(buildkitVersionFor("")).toBe("")
  })

  it("keeps all 38 rows of the table in order", () => {
    expect(mobyBuildkitVersions).toHaveLength(38)
    expect(mobyBuildkitVersions[0]).toEqual({
      mobyConstraint: ">= 18.06.0-0, < 18.06.1-0",
      buildkitVersion: "v0.0.0+9acf51e"
    })
    expect(mobyBuildkitVersions[37]).toEqual({ mobyConstraint: "~23-0", buildkitVersion: "v0.10+unknown" })
  })
})
