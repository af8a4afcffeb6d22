/**
 * OCI platforms as buildx handles them: the stored object, containerd-style parsing and
 * normalisation, and the formatting used by `ls` and `inspect` (SPEC §5.6).
 */
import { Schema } from "effect"

/** An OCI platform exactly as the buildx store serialises it (image-spec descriptor field names). */
export const Platform = Schema.Struct({
  architecture: Schema.String,
  os: Schema.String,
  "os.version": Schema.optional(Schema.String),
  "os.features": Schema.optional(Schema.Array(Schema.String)),
  variant: Schema.optional(Schema.String)
})
export type Platform = typeof Platform.Type

// TODO(H1): the functions below are signatures only until the platform helper lands its work.

/** containerd `Parse` of one specifier (`linux/arm64`, `windows(10.0.17763)/amd64`, `local` is not accepted here). */
export const parse = (_specifier: string): Platform => {
  throw new Error("not implemented")
}
/** buildx `platformutil.Parse`: comma lists, `local`, each item parsed then normalised. */
export const parseList = (_specifiers: ReadonlyArray<string>): ReadonlyArray<Platform> => {
  throw new Error("not implemented")
}
/** containerd `Normalize`. */
export const normalize = (_platform: Platform): Platform => {
  throw new Error("not implemented")
}
/** `os/arch[/variant]`, `unknown` for an empty OS. */
export const format = (_platform: Platform): string => {
  throw new Error("not implemented")
}
/** Normalise each, keep the first of each formatted string. */
export const dedupe = (_platforms: ReadonlyArray<Platform>): ReadonlyArray<Platform> => {
  throw new Error("not implemented")
}
/** buildx `FormatInGroups`: group 0 entries get a `*`, later duplicates are dropped. */
export const formatInGroups = (..._groups: ReadonlyArray<ReadonlyArray<Platform>>): ReadonlyArray<string> => {
  throw new Error("not implemented")
}
