/**
 * Read-only file access for the files adapter: node:fs/promises wrapped in Effect, with failures
 * carrying the text Go's `*os.PathError` prints (`open <path>: permission denied`), since buildx
 * shows those texts. Nothing here writes, creates or locks.
 */
import { readdir, readFile, stat } from "node:fs/promises"
import { compareGoStrings } from "@buildlens/core"
import { Effect } from "effect"

/** The errno reasons the adapter tells apart; everything else is `Other`. */
type FsReason = "NotFound" | "IsDirectory" | "NotDirectory" | "PermissionDenied" | "Other"

/** A failed file operation: the reason, Go's message, and the Node error as cause. */
export class FsFailure {
  constructor(
    readonly reason: FsReason,
    readonly message: string,
    readonly cause: unknown
  ) {}
}

// Linux strerror texts as Go's syscall package spells them.
const errnoText: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
  ENFILE: "too many open files in system",
  EIO: "input/output error",
  ENXIO: "no such device or address",
  EBUSY: "device or resource busy",
  EINVAL: "invalid argument"
}

/** The one mapping of Node errno codes to the adapter's reasons. */
const fsReason = (code: string | undefined): FsReason => {
  switch (code) {
    case "ENOENT":
      return "NotFound"
    case "EISDIR":
      return "IsDirectory"
    case "ENOTDIR":
      return "NotDirectory"
    case "EACCES":
    case "EPERM":
      return "PermissionDenied"
    default:
      return "Other"
  }
}

type Operation = "readFile" | "readDir" | "stat"

// Go's op names: open failures say `open`, reading a directory says `read`, listing a file says `readdirent`.
const goOp = (operation: Operation, code: string | undefined): string => {
  if (operation === "stat") return "stat"
  if (operation === "readFile" && code === "EISDIR") return "read"
  if (operation === "readDir" && code === "ENOTDIR") return "readdirent"
  return "open"
}

const toFailure = (operation: Operation, path: string, error: unknown): FsFailure => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const text =
    (code !== undefined ? errnoText[code] : undefined) ?? (error as Error | undefined)?.message ?? String(error)
  return new FsFailure(fsReason(code), `${goOp(operation, code)} ${path}: ${text}`, error)
}

/** The bytes of a file. */
export const readBytes = (path: string): Effect.Effect<Uint8Array, FsFailure> =>
  Effect.tryPromise({
    // A plain Uint8Array view, so callers never see Node's Buffer type.
    try: () => readFile(path).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
    catch: (e) => toFailure("readFile", path, e)
  })

/** The bytes of a file, or undefined when it does not exist (ENOENT only, as Go's os.IsNotExist). */
export const readBytesIfExists = (path: string): Effect.Effect<Uint8Array | undefined, FsFailure> =>
  readBytes(path).pipe(
    Effect.catchIf(
      (f) => f.reason === "NotFound",
      () => Effect.succeed(undefined)
    )
  )

/** A directory entry: its name and whether it is a directory itself (symlinks are not followed). */
interface DirEntry {
  readonly name: string
  readonly isDirectory: boolean
}

/** `os.ReadDir`: the entries sorted by file name (byte order; Node hands names over as valid UTF-8 strings). */
export const readDirSorted = (path: string): Effect.Effect<ReadonlyArray<DirEntry>, FsFailure> =>
  Effect.tryPromise({
    try: () => readdir(path, { withFileTypes: true }),
    catch: (e) => toFailure("readDir", path, e)
  }).pipe(
    Effect.map((entries) =>
      entries
        .map((e) => ({ name: e.name, isDirectory: e.isDirectory() }))
        .sort((a, b) => compareGoStrings(a.name, b.name))
    )
  )

/** `os.Stat` (follows symlinks): whether the path is a directory, or the failure. */
export const statIsDirectory = (path: string): Effect.Effect<boolean, FsFailure> =>
  Effect.tryPromise({ try: () => stat(path), catch: (e) => toFailure("stat", path, e) }).pipe(
    Effect.map((s) => s.isDirectory())
  )
