/** The unix-socket bridge on its own: one dial per accepted connection, the spare first one, aborts, cleanup. */
import { stat } from "node:fs/promises"
import * as net from "node:net"
import { type Duplex, PassThrough } from "node:stream"
import { grpcBridge } from "@buildlens/adapters/docker"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"

/** An in-memory upstream that answers every chunk with `<name>:<chunk>`. */
const echo = (name: string): Duplex => {
  const inbound = new PassThrough()
  const outbound = new PassThrough()
  inbound.on("data", (chunk) => outbound.write(`${name}:${chunk}`))
  const duplex = new (class extends PassThrough {})()
  duplex._write = (chunk, encoding, done) => inbound.write(chunk, encoding, done)
  outbound.on("data", (chunk) => duplex.push(chunk))
  return duplex
}

const exchange = (socketPath: string, text: string) =>
  Effect.async<string>((resume) => {
    const socket = net.connect(socketPath, () => socket.write(text))
    socket.once("data", (chunk) => {
      socket.destroy()
      resume(Effect.succeed(String(chunk)))
    })
  })

/** A dial that never completes, recording the signal of each call. */
const hangingDial = (signals: Array<AbortSignal>) => (signal: AbortSignal) => {
  signals.push(signal)
  return new Promise<Duplex>(() => {})
}

/** Waits until `done()` holds, polling; fails after two seconds. */
const until = (done: () => boolean) =>
  Effect.async<void, Error>((resume) => {
    const started = Date.now()
    const poll = setInterval(() => {
      if (done() || Date.now() - started > 2000) {
        clearInterval(poll)
        resume(done() ? Effect.void : Effect.fail(new Error("condition not met within 2s")))
      }
    }, 5)
  })

/** Connects to the bridge and waits until it has dialed once for that connection. */
const connectAndWait = (socketPath: string, signals: ReadonlyArray<AbortSignal>) =>
  Effect.gen(function* () {
    const socket = net.connect(socketPath)
    socket.on("error", () => {})
    yield* until(() => signals.length > 0)
    return socket
  })

describe("grpcBridge", () => {
  it.scopedLive("serves the first connection with the spare and dials for the others", () =>
    Effect.gen(function* () {
      let dials = 0
      const bridge = yield* grpcBridge(async () => echo(`dial${++dials}`), echo("spare"))
      expect(yield* exchange(bridge.socketPath, "a")).toBe("spare:a")
      expect(yield* exchange(bridge.socketPath, "b")).toBe("dial1:b")
      expect(yield* exchange(bridge.socketPath, "c")).toBe("dial2:c")
      expect(dials).toBe(2)
    })
  )

  it.scopedLive("drops a connection whose dial fails", () =>
    Effect.gen(function* () {
      const bridge = yield* grpcBridge(() => Promise.reject(new Error("daemon gone")))
      const closed = yield* Effect.async<boolean>((resume) => {
        const socket = net.connect(bridge.socketPath)
        socket.on("error", () => {})
        socket.on("close", () => resume(Effect.succeed(true)))
      })
      expect(closed).toBe(true)
    })
  )

  it.scopedLive("closes its sockets and removes its folder with the scope", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const upstream = echo("up")
      const bridge = yield* grpcBridge(async () => upstream).pipe(Scope.extend(scope))
      expect(((yield* Effect.promise(() => stat(bridge.folder))).mode & 0o777).toString(8)).toBe("700")
      const client = net.connect(bridge.socketPath)
      yield* Effect.async<void>((resume) => {
        client.write("x")
        client.once("data", () => resume(Effect.void))
      })
      // Listen before closing: the close event fires while the scope closes.
      const clientClosed = new Promise<void>((resolve) => client.once("close", () => resolve()))
      yield* Scope.close(scope, Exit.void)
      yield* Effect.promise(() => clientClosed)
      expect(upstream.destroyed).toBe(true)
      const gone = yield* Effect.promise(() =>
        stat(bridge.folder).then(
          () => false,
          (e) => e.code === "ENOENT"
        )
      )
      expect(gone).toBe(true)
    })
  )
  it.scopedLive("aborts a dial still waiting for the daemon when the scope closes", () =>
    Effect.gen(function* () {
      const signals: Array<AbortSignal> = []
      const scope = yield* Scope.make()
      // Closed again (a no-op) with the test, so a failing expectation leaves no bridge folder behind.
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const bridge = yield* grpcBridge(hangingDial(signals)).pipe(Scope.extend(scope))
      yield* connectAndWait(bridge.socketPath, signals)
      expect(signals[0]?.aborted).toBe(false)
      yield* Scope.close(scope, Exit.void)
      expect(signals[0]?.aborted).toBe(true)
    })
  )
})
