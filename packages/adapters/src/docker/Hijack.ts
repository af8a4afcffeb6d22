/**
 * moby's connection hijack: `POST <path>` with `Connection: Upgrade` and `Upgrade: <proto>`; after `101
 * Switching Protocols` the socket carries the upgraded protocol (h2c for `/grpc`). Done with plain
 * node:http/https because docker-modem's hijack dial never completes this upgrade (measured with dockerd
 * 20.10); the request reuses the transport's socket path or TLS options, so it reaches the same daemon.
 */
import * as http from "node:http"
import * as https from "node:https"
import type { Duplex } from "node:stream"
import { Effect, type Scope } from "effect"
import { UpgradeRefused } from "./ApiError.js"
import { type DockerTransport, requestTarget } from "./Host.js"

/** Extra request headers (buildx dial meta), each name with all its values. */
export type DialMeta = Readonly<Record<string, ReadonlyArray<string>>>

/** Opens one upgraded connection; rejects with UpgradeRefused on any other status, or the socket error. */
export const hijack = (
  transport: DockerTransport,
  path: string,
  proto: string,
  meta: DialMeta,
  signal?: AbortSignal
): Promise<Duplex> =>
  new Promise((resolve, reject) => {
    const address = transport.address
    if (address.kind === "unsupported") {
      reject(new Error(`dial ${address.proto}: unknown network ${address.proto}`))
      return
    }
    // moby dials its address as it is for a hijack, unlike its HTTP transport: Go's dialer needs a port.
    if (address.kind === "tcp" && address.port === undefined) {
      reject(new Error(`dial tcp: address ${address.authority}: missing port in address`))
      return
    }
    const headers: Record<string, string | Array<string>> = {}
    for (const [name, values] of Object.entries(meta)) headers[name] = [...values]
    headers.Connection = "Upgrade"
    headers.Upgrade = proto
    const options: https.RequestOptions = {
      ...requestTarget(address, transport.tls !== undefined),
      ...transport.tls,
      method: "POST",
      path,
      headers,
      // A pooled socket cannot be handed over; every hijack gets its own connection.
      agent: false
    }
    const req = transport.tls !== undefined ? https.request(options) : http.request(options)
    const onAbort = (): void => {
      req.destroy(signal?.reason instanceof Error ? signal.reason : new Error("hijack aborted"))
    }
    signal?.addEventListener("abort", onAbort, { once: true })
    const settle = (): void => signal?.removeEventListener("abort", onAbort)
    req.once("upgrade", (_res, socket, head) => {
      settle()
      if (head.length > 0) socket.unshift(head)
      resolve(socket)
    })
    req.once("response", (res) => {
      settle()
      res.resume()
      reject(new UpgradeRefused(proto, res.statusCode ?? 0))
    })
    req.once("error", (error) => {
      settle()
      reject(error)
    })
    req.end()
  })

/**
 * A connection from `open` owned by the scope: destroyed when the scope closes, also when it arrives after
 * the fiber was interrupted (the abort then came too late to stop the upgrade). The finalizer is in place
 * before the wait starts, so no interruption point lies between the socket existing and it being owned.
 */
export const scopedConnection = (
  open: (signal: AbortSignal) => Promise<Duplex>
): Effect.Effect<Duplex, unknown, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const controller = new AbortController()
      const pending = open(controller.signal)
      // Registered first, so it runs before the fiber resumes: a delivered socket is destroyed synchronously.
      let arrived: Duplex | undefined
      pending.then(
        (socket) => {
          arrived = socket
        },
        () => {}
      )
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          controller.abort()
          if (arrived !== undefined) arrived.destroy()
          else
            pending.then(
              (socket) => socket.destroy(),
              () => {}
            )
        })
      )
      return yield* restore(Effect.tryPromise({ try: () => pending, catch: (cause) => cause }))
    })
  )
