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
  readonly close: () => Promise<void>
}

/** Dials one upstream connection; the signal aborts it when the bridge closes first. */
export type BridgeDial = (signal: AbortSignal) => Promise<Duplex>

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

const listen = (server: Server, socketPath: string): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(socketPath, () => {
      server.off("error", reject)
      resolve()
    })
  })

const openBridge = async (dial: BridgeDial, first: Duplex | undefined): Promise<OpenBridge> => {
  const live = new Set<Duplex>()
  const dialing = new Set<AbortController>()
  const track = <S extends Duplex>(socket: S): S => {
    live.add(socket)
    socket.once("close", () => live.delete(socket))
    return socket
  }
  // Dials still waiting for the daemon, aborted when the bridge closes: a daemon that accepts but never answers
  // must not keep a socket alive after the scope.
  const dialTracked = (): Promise<Duplex> => {
    const controller = new AbortController()
    dialing.add(controller)
    return dial(controller.signal)
      .then(track)
      .finally(() => dialing.delete(controller))
  }
  let spare = first === undefined ? undefined : track(first)
  let closed = false
  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client)
    const upstream = spare
    spare = undefined
    ;(upstream !== undefined ? Promise.resolve(upstream) : dialTracked()).then(
      (up) => {
        if (closed || client.destroyed) up.destroy()
        else splice(client, up)
      },
      () => client.destroy()
    )
  })
  server.on("error", () => {})
  const giveUp = (error: unknown): never => {
    spare?.destroy()
    throw error
  }
  const folder = await mkdtemp(join(tmpdir(), "buildlens-grpc-")).catch(giveUp)
  const socketPath = join(folder, "buildkitd.sock")
  await listen(server, socketPath).catch(async (error: unknown) => {
    await rm(folder, { recursive: true, force: true })
    giveUp(error)
  })
  const close = async (): Promise<void> => {
    closed = true
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const controller of dialing) controller.abort()
    for (const socket of live) socket.destroy()
    await stopped
    await rm(folder, { recursive: true, force: true })
  }
  return { folder, socketPath, close }
}

/**
 * Opens a bridge whose connections each come from `dial`; `first`, when given, serves the first connection
 * (an upgrade already made to check the daemon, so it is not wasted).
 */
export const grpcBridge = (dial: BridgeDial, first?: Duplex): Effect.Effect<GrpcBridge, unknown, Scope.Scope> =>
  Effect.acquireRelease(Effect.tryPromise({ try: () => openBridge(dial, first), catch: (cause) => cause }), (bridge) =>
    Effect.promise(() => bridge.close())
  ).pipe(Effect.map(({ folder, socketPath }) => ({ folder, socketPath })))
