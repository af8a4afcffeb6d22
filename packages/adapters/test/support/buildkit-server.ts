/**
 * A BuildKit Control service for tests: a grpc-js Server fed through a connection injector from a
 * net.Server we own (unix socket in a fresh temp folder, or 127.0.0.1 port 0), so every connection
 * and call can be counted. It answers ListWorkers / Info with the data it is given, optionally slowly,
 * optionally failing, and Info can be left unregistered (UNIMPLEMENTED, like BuildKit before v0.11).
 */

import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import {
  controlService,
  type WireBuildkitVersion,
  type WireCDIDevice,
  type WireGCPolicy,
  type WireInfoResponse,
  type WireListWorkersResponse,
  type WirePlatform,
  type WireWorkerRecord
} from "@buildlens/adapters/buildkit"
import * as grpc from "@grpc/grpc-js"
import { Duration, Effect, type Scope } from "effect"

/** A gRPC status the server answers with instead of data. */
export interface TestStatus {
  readonly code: grpc.status
  readonly details: string
}

/** A worker as tests write it: every wire field optional, defaults like proto3. */
export interface TestWorker {
  readonly ID?: string
  readonly Labels?: Readonly<Record<string, string>>
  readonly platforms?: ReadonlyArray<Partial<WirePlatform>>
  readonly GCPolicy?: ReadonlyArray<Partial<WireGCPolicy>>
  readonly BuildkitVersion?: WireBuildkitVersion
  readonly CDIDevices?: ReadonlyArray<Partial<WireCDIDevice>>
}

export interface BuildkitTestServerOptions {
  /** Where to listen; a unix socket by default. */
  readonly listen?: "unix" | "tcp"
  readonly workers?: ReadonlyArray<TestWorker>
  /** Fail ListWorkers with this status. */
  readonly listWorkersError?: TestStatus
  /** The Info answer: a version, "unimplemented" (method not registered) or a status. Default: v0.32.2. */
  readonly info?: Partial<WireBuildkitVersion> | "unimplemented" | TestStatus
  /** Wait this long before answering. */
  readonly delays?: { readonly listWorkers?: Duration.DurationInput; readonly info?: Duration.DurationInput }
  /** Serve TLS with this key pair; `clientCa` also demands a client certificate signed by it. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer; readonly clientCa?: Buffer }
}

/** What the server has seen so far. */
export interface BuildkitTestServerStats {
  readonly connectionsOpened: number
  readonly connectionsOpen: number
  readonly calls: { readonly ListWorkers: number; readonly Info: number }
  /** Calls whose client went away before the answer (cancelled or disconnected). */
  readonly cancelled: number
  /** The `:authority` of each call, in arrival order. */
  readonly authorities: ReadonlyArray<string>
}

export interface BuildkitTestServer {
  /** `unix:///…/buildkitd.sock` or `tcp://127.0.0.1:<port>`. */
  readonly address: string
  readonly stats: Effect.Effect<BuildkitTestServerStats>
  /** Waits until no connection is open (polling, up to `timeout`); fails with the stats otherwise. */
  readonly awaitNoConnections: (timeout?: Duration.DurationInput) => Effect.Effect<void, BuildkitTestServerStats>
  /** Waits until at least `n` calls have arrived (polling, up to 3s). */
  readonly awaitCalls: (n: number) => Effect.Effect<void, BuildkitTestServerStats>
}

const isStatus = (u: unknown): u is TestStatus => typeof u === "object" && u !== null && "code" in u && "details" in u

const fillWorker = (w: TestWorker): WireWorkerRecord => ({
  ID: w.ID ?? "",
  Labels: w.Labels ?? {},
  platforms: (w.platforms ?? []).map((p) => ({
    Architecture: p.Architecture ?? "",
    OS: p.OS ?? "",
    Variant: p.Variant ?? "",
    OSVersion: p.OSVersion ?? "",
    OSFeatures: p.OSFeatures ?? []
  })),
  GCPolicy: (w.GCPolicy ?? []).map((g) => ({
    all: g.all ?? false,
    keepDuration: g.keepDuration ?? 0,
    reservedSpace: g.reservedSpace ?? 0,
    filters: g.filters ?? [],
    maxUsedSpace: g.maxUsedSpace ?? 0,
    minFreeSpace: g.minFreeSpace ?? 0
  })),
  BuildkitVersion: w.BuildkitVersion ?? null,
  CDIDevices: (w.CDIDevices ?? []).map((d) => ({
    Name: d.Name ?? "",
    AutoAllow: d.AutoAllow ?? false,
    Annotations: d.Annotations ?? {},
    OnDemand: d.OnDemand ?? false
  }))
})

const listen = (server: net.Server, at: string | { host: string; port: number }): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    const done = (): void => {
      server.off("error", reject)
      resolve()
    }
    if (typeof at === "string") server.listen(at, done)
    else server.listen(at.port, at.host, done)
  })

/** Starts a test BuildKit server for the current scope; closing the scope stops it and removes its folder. */
export const make = (options: BuildkitTestServerOptions = {}): Effect.Effect<BuildkitTestServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const stats = {
      connectionsOpened: 0,
      connectionsOpen: 0,
      calls: { ListWorkers: 0, Info: 0 },
      cancelled: 0,
      authorities: [] as Array<string>
    }
    const snapshot = (): BuildkitTestServerStats => ({
      ...stats,
      calls: { ...stats.calls },
      authorities: [...stats.authorities]
    })
    const sockets = new Set<net.Socket>()

    const answer =
      <Res>(method: "ListWorkers" | "Info", delay: Duration.DurationInput | undefined, reply: () => Res | TestStatus) =>
      (call: grpc.ServerUnaryCall<unknown, Res>, callback: grpc.sendUnaryData<Res>): void => {
        stats.calls[method] += 1
        stats.authorities.push(call.getHost())
        let gone = false
        let answered = false
        // grpc-js also emits "cancelled" when an answered call's stream closes: count only abandoned calls.
        call.on("cancelled", () => {
          if (answered) return
          gone = true
          stats.cancelled += 1
        })
        const respond = (): void => {
          if (gone) return
          answered = true
          const r = reply()
          if (isStatus(r)) callback({ code: r.code, details: r.details })
          else callback(null, r)
        }
        if (delay === undefined) respond()
        else setTimeout(respond, Duration.toMillis(Duration.decode(delay)))
      }

    const grpcServer = new grpc.Server()
    const listWorkersDef = controlService.ListWorkers
    const infoDef = controlService.Info
    if (listWorkersDef === undefined || infoDef === undefined) return yield* Effect.die("control.proto lacks a method")
    grpcServer.register(
      listWorkersDef.path,
      answer<WireListWorkersResponse>(
        "ListWorkers",
        options.delays?.listWorkers,
        () => options.listWorkersError ?? { record: (options.workers ?? []).map(fillWorker) }
      ),
      listWorkersDef.responseSerialize,
      listWorkersDef.requestDeserialize,
      "unary"
    )
    const info = options.info ?? { package: "github.com/moby/buildkit", version: "v0.32.2", revision: "abc123" }
    if (info !== "unimplemented") {
      grpcServer.register(
        infoDef.path,
        answer<WireInfoResponse>("Info", options.delays?.info, () =>
          isStatus(info)
            ? info
            : {
                buildkitVersion: {
                  package: info.package ?? "",
                  version: info.version ?? "",
                  revision: info.revision ?? ""
                }
              }
        ),
        infoDef.responseSerialize,
        infoDef.requestDeserialize,
        "unary"
      )
    }

    const credentials =
      options.tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(
            options.tls.clientCa ?? null,
            [{ private_key: options.tls.key, cert_chain: options.tls.cert }],
            options.tls.clientCa !== undefined
          )
    const injector = grpcServer.createConnectionInjector(credentials)

    const netServer = net.createServer((socket) => {
      stats.connectionsOpened += 1
      stats.connectionsOpen += 1
      sockets.add(socket)
      socket.once("close", () => {
        stats.connectionsOpen -= 1
        sockets.delete(socket)
      })
      injector.injectConnection(socket)
    })

    const address = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        if (options.listen === "tcp") {
          await listen(netServer, { host: "127.0.0.1", port: 0 })
          const bound = netServer.address() as net.AddressInfo
          return { address: `tcp://127.0.0.1:${bound.port}`, dir: undefined }
        }
        const dir = await mkdtemp(join(tmpdir(), "buildlens-bk-"))
        const path = join(dir, "buildkitd.sock")
        await listen(netServer, path)
        return { address: `unix://${path}`, dir }
      }),
      ({ dir }) =>
        Effect.promise(async () => {
          injector.destroy()
          for (const socket of sockets) socket.destroy()
          await new Promise<void>((resolve) => netServer.close(() => resolve()))
          grpcServer.forceShutdown()
          if (dir !== undefined) await rm(dir, { recursive: true, force: true })
        })
    )

    return {
      address: address.address,
      stats: Effect.sync(snapshot),
      awaitNoConnections: (timeout = "3 seconds") => pollEvery(() => stats.connectionsOpen === 0, timeout, snapshot),
      awaitCalls: (n) => pollEvery(() => stats.calls.ListWorkers + stats.calls.Info >= n, "3 seconds", snapshot)
    } satisfies BuildkitTestServer
  })

const pollEvery = (
  done: () => boolean,
  timeout: Duration.DurationInput,
  snapshot: () => BuildkitTestServerStats
): Effect.Effect<void, BuildkitTestServerStats> =>
  Effect.gen(function* () {
    const deadline = Date.now() + Duration.toMillis(Duration.decode(timeout))
    while (!done()) {
      if (Date.now() > deadline) return yield* Effect.fail(snapshot())
      // Real time, not Clock: tests under TestClock must still be able to wait for the socket.
      yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 20)))
    }
  })

/** The test server as a namespace: `BuildkitTestServer.make(options)`. */
export const BuildkitTestServer = { make } as const

/** PEM files of a throwaway CA, a server certificate for `serverName` and a client certificate, on disk. */
export interface TestCertificates {
  readonly dir: string
  readonly serverName: string
  readonly caPath: string
  readonly ca: Buffer
  readonly serverKey: Buffer
  readonly serverCert: Buffer
  readonly clientKeyPath: string
  readonly clientCertPath: string
  readonly clientKey: Buffer
  readonly clientCert: Buffer
}

/** Generates TestCertificates with the openssl binary in a temp folder removed with the scope. */
export const makeTestCertificates = (
  serverName = "buildkit.test"
): Effect.Effect<TestCertificates, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const run = promisify(execFile)
      const dir = await mkdtemp(join(tmpdir(), "buildlens-certs-"))
      const at = (name: string): string => join(dir, name)
      const openssl = (...args: ReadonlyArray<string>) => run("openssl", [...args], { cwd: dir })
      await openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=buildlens test CA",
        "-keyout",
        at("ca-key.pem"),
        "-out",
        at("ca.pem")
      )
      const leaf = async (name: string, cn: string, ext: string): Promise<void> => {
        await openssl(
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-subj",
          `/CN=${cn}`,
          "-keyout",
          at(`${name}-key.pem`),
          "-out",
          at(`${name}.csr`)
        )
        await writeFile(at(`${name}.ext`), `${ext}\n`)
        await openssl(
          "x509",
          "-req",
          "-in",
          at(`${name}.csr`),
          "-CA",
          at("ca.pem"),
          "-CAkey",
          at("ca-key.pem"),
          "-CAcreateserial",
          "-days",
          "2",
          "-extfile",
          at(`${name}.ext`),
          "-out",
          at(`${name}.pem`)
        )
      }
      await leaf("server", serverName, `subjectAltName=DNS:${serverName}`)
      await leaf("client", "buildlens client", "extendedKeyUsage=clientAuth")
      return {
        dir,
        serverName,
        caPath: at("ca.pem"),
        ca: await readFile(at("ca.pem")),
        serverKey: await readFile(at("server-key.pem")),
        serverCert: await readFile(at("server.pem")),
        clientKeyPath: at("client-key.pem"),
        clientCertPath: at("client.pem"),
        clientKey: await readFile(at("client-key.pem")),
        clientCert: await readFile(at("client.pem"))
      }
    }),
    ({ dir }) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  )
