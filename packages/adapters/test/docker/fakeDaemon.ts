/**
 * A small stand-in Docker daemon for the docker adapter tests: node:http on a unix socket in a temp folder or
 * on 127.0.0.1, recording each request, answering with the test's handler and accepting every upgrade.
 */
import { mkdtemp, rm } from "node:fs/promises"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Duplex } from "node:stream"
import { Effect, type Scope } from "effect"

/** A running fake daemon: its host string and what it saw. */
export interface FakeDaemon {
  readonly host: string
  /** `<METHOD> <path>` of every request, upgrades included. */
  readonly requests: Array<string>
  /** The daemon's side of every upgraded connection. */
  readonly upgraded: Array<Duplex>
}

/** Starts a fake daemon, stopped with the scope. */
export const fakeDaemon = (
  on: "unix" | "tcp",
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void
): Effect.Effect<FakeDaemon, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const folder = await mkdtemp(join(tmpdir(), "buildlens-fakedockerd-"))
      const requests: Array<string> = []
      const upgraded: Array<Duplex> = []
      const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`)
        answer(req, res)
      })
      server.on("upgrade", (req: http.IncomingMessage, socket: Duplex) => {
        requests.push(`${req.method} ${req.url}`)
        upgraded.push(socket)
        socket.on("error", () => {})
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${req.headers.upgrade}\r\n\r\n`
        )
      })
      const socketPath = join(folder, "docker.sock")
      await new Promise<void>((resolve) =>
        on === "unix" ? server.listen(socketPath, resolve) : server.listen(0, "127.0.0.1", resolve)
      )
      const host = on === "unix" ? `unix://${socketPath}` : `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`
      return { folder, server, daemon: { host, requests, upgraded } }
    }),
    ({ folder, server, daemon }) =>
      Effect.promise(async () => {
        for (const socket of daemon.upgraded) socket.destroy()
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
        await rm(folder, { recursive: true, force: true })
      })
  ).pipe(Effect.map(({ daemon }) => daemon))

/** Resolves when the peer of `socket` has gone (it ended or closed), or fails after two seconds. */
export const peerGoneWithin2s = (socket: Duplex): Effect.Effect<void, Error> =>
  Effect.async<void, Error>((resume) => {
    if (socket.destroyed || socket.readableEnded) return resume(Effect.void)
    const timer = setTimeout(() => resume(Effect.fail(new Error("the peer is still connected after 2s"))), 2000)
    const gone = (): void => {
      clearTimeout(timer)
      resume(Effect.void)
    }
    socket.once("end", gone).once("close", gone)
    // An upgraded socket is paused until someone reads it; `end` needs the stream flowing.
    socket.resume()
  })
