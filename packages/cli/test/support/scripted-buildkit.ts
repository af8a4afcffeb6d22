/**
 * A BuildKit Control server whose ListWorkers answers (and their delays) are scripted per call, for
 * the loadData branches the shared test server cannot reach: the remote driver's Info (its own
 * ListWorkers) succeeds, then loadData's second ListWorkers fails or outlives the deadline. Listens
 * on a unix socket path the test chooses and counts connections, so a test can check they all closed.
 */

import * as net from "node:net"
import { controlService, type WireListWorkersResponse, type WireWorkerRecord } from "@buildlens/adapters/buildkit"
import * as grpc from "@grpc/grpc-js"
import { Effect, type Scope } from "effect"

/** One scripted answer: workers, or a gRPC status; sent after `delayMs` when given. */
export type ScriptedAnswer = (
  | { readonly workers: ReadonlyArray<{ readonly ID: string; readonly OS: string; readonly Architecture: string }> }
  | { readonly code: grpc.status; readonly details: string }
) & { readonly delayMs?: number }

export interface ScriptedBuildkit {
  readonly address: string
  /** ListWorkers calls answered so far. */
  readonly listWorkersCalls: () => number
  readonly connectionsOpened: () => number
  readonly connectionsOpen: () => number
}

const record = (w: { readonly ID: string; readonly OS: string; readonly Architecture: string }): WireWorkerRecord => ({
  ID: w.ID,
  Labels: {},
  platforms: [{ OS: w.OS, Architecture: w.Architecture, Variant: "", OSVersion: "", OSFeatures: [] }],
  GCPolicy: [],
  BuildkitVersion: null,
  CDIDevices: []
})

/** Serves ListWorkers with `script(i)` for the i-th call (from 0), leaves Info unregistered; stops with the scope. */
export const makeScriptedBuildkit = (
  socketPath: string,
  script: (call: number) => ScriptedAnswer
): Effect.Effect<ScriptedBuildkit, never, Scope.Scope> =>
  Effect.gen(function* () {
    let calls = 0
    let opened = 0
    const sockets = new Set<net.Socket>()
    const definition = controlService.ListWorkers
    if (definition === undefined) return yield* Effect.die("control.proto lacks ListWorkers")
    const grpcServer = new grpc.Server()
    grpcServer.register(
      definition.path,
      (
        _call: grpc.ServerUnaryCall<unknown, WireListWorkersResponse>,
        reply: grpc.sendUnaryData<WireListWorkersResponse>
      ) => {
        const answer = script(calls)
        calls += 1
        const send = (): void => {
          if ("code" in answer) reply({ code: answer.code, details: answer.details })
          else reply(null, { record: answer.workers.map(record) })
        }
        if (answer.delayMs === undefined) send()
        else setTimeout(send, answer.delayMs)
      },
      definition.responseSerialize,
      definition.requestDeserialize,
      "unary"
    )
    const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure())
    const netServer = net.createServer((socket) => {
      opened += 1
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
      injector.injectConnection(socket)
    })
    yield* Effect.acquireRelease(
      Effect.promise(
        () =>
          new Promise<void>((resolve, reject) => {
            netServer.once("error", reject)
            netServer.listen(socketPath, () => resolve())
          })
      ),
      () =>
        Effect.promise(async () => {
          injector.destroy()
          for (const socket of sockets) socket.destroy()
          await new Promise<void>((resolve) => netServer.close(() => resolve()))
          grpcServer.forceShutdown()
        })
    )
    return {
      address: `unix://${socketPath}`,
      listWorkersCalls: () => calls,
      connectionsOpened: () => opened,
      connectionsOpen: () => sockets.size
    }
  })
