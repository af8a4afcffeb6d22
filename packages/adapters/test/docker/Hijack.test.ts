/**
 * The upgrade request itself, against small node:http servers on unix sockets made by the test, and the scoped
 * ownership of the connection it yields.
 */
import { mkdtemp, rm } from "node:fs/promises"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { hijack, parseDockerHost, scopedConnection, UpgradeRefused } from "@buildlens/adapters/docker"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Fiber, Scope } from "effect"

/** An HTTP server on a unix socket in a temp folder; answers upgrades with `onUpgrade`, the rest with 404. */
const server = (onUpgrade?: (req: http.IncomingMessage, socket: import("node:stream").Duplex) => void) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const folder = await mkdtemp(join(tmpdir(), "buildlens-hijack-"))
      const socketPath = join(folder, "docker.sock")
      const srv = http.createServer((_req, res) => res.writeHead(404).end("page not found"))
      if (onUpgrade !== undefined) srv.on("upgrade", onUpgrade)
      await new Promise<void>((resolve) => srv.listen(socketPath, resolve))
      return { folder, socketPath, srv }
    }),
    ({ folder, srv }) =>
      Effect.promise(async () => {
        srv.closeAllConnections()
        await new Promise((resolve) => srv.close(resolve))
        await rm(folder, { recursive: true, force: true })
      })
  )

const transportOf = (host: string) => {
  const parsed = parseDockerHost({ host, skipTLSVerify: false, tls: undefined })
  if (Either.isLeft(parsed)) throw parsed.left
  return parsed.right
}

const transport = (socketPath: string) => transportOf(`unix://${socketPath}`)

/** An opener that hands out `socket` only when the test says so, recording the signal it was given. */
const deferredOpen = (socket: PassThrough) => {
  const state: { signal: AbortSignal | undefined; deliver: () => void } = { signal: undefined, deliver: () => {} }
  const open = (signal: AbortSignal) =>
    new Promise<PassThrough>((resolve) => {
      state.signal = signal
      state.deliver = () => resolve(socket)
    })
  return { state, open }
}

const settle = Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))

describe("hijack", () => {
  it.scopedLive("sends the upgrade headers and the dial meta, and hands over the raw socket", () =>
    Effect.gen(function* () {
      let seen: http.IncomingHttpHeaders | undefined
      let path: string | undefined
      const { socketPath } = yield* server((req, socket) => {
        seen = req.headers
        path = req.url
        socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nhello")
        socket.on("data", (chunk) => socket.end(`echo:${chunk}`))
      })
      const socket = yield* Effect.promise(() =>
        hijack(transport(socketPath), "/grpc", "h2c", { "X-Meta": ["one", "two"] })
      )
      const received = yield* Effect.async<string>((resume) => {
        let text = ""
        socket.on("data", (chunk) => {
          text += chunk
        })
        socket.on("end", () => resume(Effect.succeed(text)))
        socket.write("ping")
      })
      expect(path).toBe("/grpc")
      expect(seen?.connection).toBe("Upgrade")
      expect(seen?.upgrade).toBe("h2c")
      expect(seen?.["x-meta"]).toBe("one, two")
      // Bytes the server sent right after the 101 are not lost.
      expect(received).toBe("helloecho:ping")
    })
  )

  it.scopedLive("rejects with the status when the server does not upgrade", () =>
    Effect.gen(function* () {
      const { socketPath } = yield* server()
      const error = yield* Effect.flip(Effect.tryPromise(() => hijack(transport(socketPath), "/grpc", "h2c", {})))
      expect(error.cause).toBeInstanceOf(UpgradeRefused)
      expect((error.cause as UpgradeRefused).message).toBe("unable to upgrade to h2c, received 404")
    })
  )

  it.scopedLive("stops when aborted", () =>
    Effect.gen(function* () {
      const { socketPath } = yield* server(() => {})
      const controller = new AbortController()
      const pending = hijack(transport(socketPath), "/grpc", "h2c", {}, controller.signal)
      controller.abort()
      const error = yield* Effect.flip(Effect.tryPromise(() => pending))
      expect(String(error.cause)).toMatch(/abort/i)
    })
  )

  it.effect("fails a tcp hijack without a port before dialing, as go's dialer does", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.tryPromise(() => hijack(transportOf("tcp://127.0.0.1"), "/grpc", "h2c", {}))
      )
      expect(String(error.cause)).toBe("Error: dial tcp: address 127.0.0.1: missing port in address")
    })
  )
})

describe("scopedConnection", () => {
  it.scopedLive("destroys the connection when its scope closes", () =>
    Effect.gen(function* () {
      const socket = new PassThrough()
      const scope = yield* Scope.make()
      const got = yield* scopedConnection(async () => socket).pipe(Scope.extend(scope))
      expect(got).toBe(socket)
      expect(socket.destroyed).toBe(false)
      yield* Scope.close(scope, Exit.void)
      expect(socket.destroyed).toBe(true)
    })
  )

  it.scopedLive("aborts the open and destroys a connection that arrives after an interruption", () =>
    Effect.gen(function* () {
      const socket = new PassThrough()
      const { state, open } = deferredOpen(socket)
      const fiber = yield* Effect.fork(Effect.scoped(scopedConnection(open)))
      yield* settle
      yield* Fiber.interrupt(fiber)
      expect(state.signal?.aborted).toBe(true)
      // The upgrade completed anyway (the abort came too late): nobody holds the socket, so it must not stay open.
      state.deliver()
      yield* settle
      expect(socket.destroyed).toBe(true)
    })
  )
})
