/**
 * A scoped unix-socket bridge to the daemon's `/grpc` hijack. grpc-js dials addresses itself and cannot take
 * an already-upgraded stream, so the BuildKit client gets `unix://<bridge>`: each connection accepted there
 * opens one hijacked connection to the daemon and the two are piped both ways. The socket lives in a private
 * (0700) temp folder; the server, every socket and the folder are gone when the scope closes.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { createServer, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Duplex } from "node:stream"
import { Effect, type Scope } from "effect"

/** An open bridge: `socketPath` accepts connections while the scope that opened it is open. */
export interface GrpcBridge {
  readonly folder: string
  readonly socketPath: string
}

interface OpenBridge extends GrpcBridge {
  readonly server: Server
  readonly close: () => Promise<void>
}

const splice = (client: Socket, upstream: Duplex): void => {
  // Either side going away ends the pair; HTTP/2 has no use for a half-open connection.
  const drop = (): void => {
    client.destroy()
    upstream.destroy()
  }
  client.once("error", drop).once("close", drop)
  upstream.once("error", drop).once("close", drop)
  client.pipe(upstream)
  upstream.pipe(client)
  client.resume()
}

const openBridge = async (dial: () => Promise<Duplex>, first: Duplex | undefined): Promise<OpenBridge> => {
  const folder = await mkdtemp(join(tmpdir(), "buildlens-grpc-"))
  const socketPath = join(folder, "buildkitd.sock")
  const live = new Set<Duplex>()
  const track = <S extends Duplex>(socket: S): S => {
    live.add(socket)
    socket.once("close", () => live.delete(socket))
    return socket
  }
  let spare = first === undefined ? undefined : track(first)
  let closed = false
  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client)
    const upstream = spare
    spare = undefined
    ;(upstream !== undefined ? Promise.resolve(upstream) : dial().then(track)).then(
      (up) => {
        if (closed || client.destroyed) up.destroy()
        else splice(client, up)
      },
      () => client.destroy()
    )
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(socketPath, () => {
        server.off("error", reject)
        resolve()
      })
    })
  } catch (error) {
    spare?.destroy()
    await rm(folder, { recursive: true, force: true })
    throw error
  }
  server.on("error", () => {})
  const close = async (): Promise<void> => {
    closed = true
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of live) socket.destroy()
    await stopped
    await rm(folder, { recursive: true, force: true })
  }
  return { folder, socketPath, server, close }
}

/**
 * Opens a bridge whose connections each come from `dial`; `first`, when given, serves the first connection
 * (an upgrade already made to check the daemon, so it is not wasted).
 */
export const grpcBridge = (
  dial: () => Promise<Duplex>,
  first?: Duplex
): Effect.Effect<GrpcBridge, unknown, Scope.Scope> =>
  Effect.acquireRelease(Effect.tryPromise({ try: () => openBridge(dial, first), catch: (cause) => cause }), (bridge) =>
    Effect.promise(() => bridge.close())
  ).pipe(Effect.map(({ folder, socketPath }) => ({ folder, socketPath })))
