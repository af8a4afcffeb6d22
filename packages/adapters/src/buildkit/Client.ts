/**
 * The BuildkitClient port over @grpc/grpc-js: one channel per `connect`, closed with its scope, and
 * the two Control RPCs mapped to core's WorkerInfo / BuildkitInfo. Failures become BuildkitError with
 * the text buildx prints, i.e. after BuildKit's client interceptor and its `failed to ...` wrapping.
 */

import {
  type BuildkitClientService,
  type BuildkitConnection,
  BuildkitError,
  type BuildkitInfo,
  type BuildkitTarget,
  type CDIDevice,
  type GCPolicy,
  type GrpcCode,
  goQuote,
  type Platform,
  type WorkerInfo,
  withinDeadline
} from "@buildlens/core"
import * as grpc from "@grpc/grpc-js"
import { Effect, type Scope } from "effect"
import {
  controlService,
  type WireCDIDevice,
  type WireGCPolicy,
  type WireInfoResponse,
  type WireListWorkersResponse,
  type WirePlatform,
  type WireWorkerRecord
} from "./ControlProto.js"

// ---------------------------------------------------------------------------------------------
// Errors

/** Core's code names and Go's `codes.Code.String()` spelling, indexed by the numeric gRPC code. */
const grpcCodes: ReadonlyArray<readonly [GrpcCode, string]> = [
  ["OK", "OK"],
  ["CANCELLED", "Canceled"],
  ["UNKNOWN", "Unknown"],
  ["INVALID_ARGUMENT", "InvalidArgument"],
  ["DEADLINE_EXCEEDED", "DeadlineExceeded"],
  ["NOT_FOUND", "NotFound"],
  ["ALREADY_EXISTS", "AlreadyExists"],
  ["PERMISSION_DENIED", "PermissionDenied"],
  ["RESOURCE_EXHAUSTED", "ResourceExhausted"],
  ["FAILED_PRECONDITION", "FailedPrecondition"],
  ["ABORTED", "Aborted"],
  ["OUT_OF_RANGE", "OutOfRange"],
  ["UNIMPLEMENTED", "Unimplemented"],
  ["INTERNAL", "Internal"],
  ["UNAVAILABLE", "Unavailable"],
  ["DATA_LOSS", "DataLoss"],
  ["UNAUTHENTICATED", "Unauthenticated"]
]

/** strerror texts Go prints for the errno values a dial meets (Linux wording). */
const errnoTexts: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  ECONNREFUSED: "connection refused",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset by peer",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network is unreachable",
  ENOTSOCK: "socket operation on non-socket",
  EADDRNOTAVAIL: "cannot assign requested address",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory"
}

/** Go's `errno.Error()` for a Node errno code, the code itself when unknown. */
export const goErrnoText = (code: string): string => errnoTexts[code] ?? code

/** grpc-go's text for a failed dial, as a fail-fast RPC reports it. */
export const dialFailureDescription = (dialError: string): string =>
  `connection error: desc = ${goQuote(`transport: Error while dialing: ${dialError}`)}`

/**
 * grpc-js words transport failures its own way; rewrite the ones grpc-go words differently so the
 * text matches what buildx shows (`dial unix /x: connect: no such file or directory`).
 */
const goTransportMessage = (network: string, details: string): string => {
  const lastError = /^No connection established\. Last error: (?:Error: )?(.*?)(?:\. Resolution note: .*)?$/s.exec(
    details
  )
  if (lastError !== null) {
    const inner = lastError[1] ?? ""
    const connect = /^connect (E[A-Z]+) (.+)$/.exec(inner)
    if (connect !== null) {
      return dialFailureDescription(`dial ${network} ${connect[2]}: connect: ${goErrnoText(connect[1] ?? "")}`)
    }
    return `connection error: desc = ${goQuote(inner)}`
  }
  const resolution = /^Name resolution failed for target dns:(.*):[^:]*$/.exec(details)
  if (resolution !== null) {
    // Go resolves in the dialer; its cgo resolver words an unknown host like this.
    return dialFailureDescription(`dial tcp: lookup ${resolution[1]}: no such host`)
  }
  return details
}

interface StatusLike {
  readonly code: number
  readonly details: string
}

const isStatus = (u: unknown): u is StatusLike =>
  typeof u === "object" &&
  u !== null &&
  typeof (u as { code?: unknown }).code === "number" &&
  typeof (u as { details?: unknown }).details === "string"

/**
 * The one mapping from a grpc-js failure to BuildkitError. The detail is what BuildKit's client
 * makes of a status (`grpcerrors.FromGRPC`: `<Code>: <message>`, the bare message for OK/Unknown),
 * behind `prefix` (`failed to list workers: `, `failed to call info: `).
 */
export const toBuildkitError = (options: {
  readonly endpoint: string
  readonly network: string
  readonly prefix: string
  readonly cause: unknown
}): BuildkitError => {
  const { cause, endpoint, network, prefix } = options
  if (!isStatus(cause)) {
    const text = cause instanceof Error ? cause.message : String(cause)
    return new BuildkitError({ endpoint, code: "UNKNOWN", detail: `${prefix}${text}`, cause })
  }
  const [code, goName] = grpcCodes[cause.code] ?? ["UNKNOWN", "Unknown"]
  const message = code === "UNAVAILABLE" ? goTransportMessage(network, cause.details) : cause.details
  const status = code === "OK" || code === "UNKNOWN" ? message : `${goName}: ${message}`
  return new BuildkitError({ endpoint, code, detail: `${prefix}${status}`, cause })
}

// ---------------------------------------------------------------------------------------------
// Wire → core

const toPlatform = (p: WirePlatform): Platform => ({
  architecture: p.Architecture,
  os: p.OS,
  // The store's JSON omits empty optional fields (image-spec `omitempty`), so does the loaded view.
  ...(p.Variant !== "" ? { variant: p.Variant } : {}),
  ...(p.OSVersion !== "" ? { "os.version": p.OSVersion } : {}),
  ...(p.OSFeatures.length > 0 ? { "os.features": [...p.OSFeatures] } : {})
})

const toGCPolicy = (p: WireGCPolicy): GCPolicy => ({
  all: p.all,
  filter: [...p.filters],
  keepDuration: p.keepDuration,
  reservedSpace: p.reservedSpace,
  maxUsedSpace: p.maxUsedSpace,
  minFreeSpace: p.minFreeSpace
})

const toCDIDevice = (d: WireCDIDevice): CDIDevice => ({
  name: d.Name,
  autoAllow: d.AutoAllow,
  onDemand: d.OnDemand,
  annotations: { ...d.Annotations }
})

/** A WorkerRecord as core's WorkerInfo. */
export const toWorkerInfo = (w: WireWorkerRecord): WorkerInfo => ({
  id: w.ID,
  labels: { ...w.Labels },
  platforms: w.platforms.map(toPlatform),
  gcPolicy: w.GCPolicy.map(toGCPolicy),
  cdiDevices: w.CDIDevices.map(toCDIDevice)
})

const toBuildkitInfo = (r: WireInfoResponse): BuildkitInfo => ({
  version: r.buildkitVersion?.version ?? "",
  revision: r.buildkitVersion?.revision ?? "",
  package: r.buildkitVersion?.package ?? ""
})

// ---------------------------------------------------------------------------------------------
// Channel

/** How a target address is reached, or why it cannot be (reported lazily, as Go's dialer does). */
type Dial =
  | { readonly _tag: "Channel"; readonly network: string; readonly client: grpc.Client }
  | { readonly _tag: "Refused"; readonly network: string; readonly description: string }

const channelTarget = (
  address: string
):
  | { readonly network: string; readonly target: string; readonly host: string }
  | { readonly network: string; readonly error: string } => {
  const sep = address.indexOf("://")
  if (sep < 0) return { network: "", error: `invalid endpoint address: ${address}` }
  const network = address.slice(0, sep)
  const rest = address.slice(sep + 3)
  switch (network) {
    case "unix":
      // grpc-js: `unix:///abs` for absolute paths, `unix:rel` for relative ones.
      return { network, target: rest.startsWith("/") ? `unix://${rest}` : `unix:${rest}`, host: "" }
    case "tcp": {
      const host = rest.split("/")[0] ?? ""
      if (!/:[0-9]*$/.test(host)) {
        return { network, error: `dial tcp: address ${host}: missing port in address` }
      }
      return { network, target: `dns:${host}`, host }
    }
    default:
      return { network, error: `dial ${network}: unknown network ${network}` }
  }
}

const openChannel = (target: BuildkitTarget): Dial => {
  const parsed = channelTarget(target.address)
  if ("error" in parsed) {
    return { _tag: "Refused", network: parsed.network, description: dialFailureDescription(parsed.error) }
  }
  const tls = target.tls
  // BuildKit's client: the TLS server name wins, else the URL host; a caller's authority wins over both.
  const authority =
    target.authority ?? (tls?.serverName !== undefined && tls.serverName !== "" ? tls.serverName : parsed.host)
  const options: grpc.ChannelOptions = {
    // Its own subchannel pool: a connection is never shared with another `connect`, so closing one
    // scope closes exactly its own connection.
    "grpc.use_local_subchannel_pool": 1,
    // grpc-go dials the address as given (passthrough); never ask DNS for a `_grpc_config` TXT record.
    "grpc.service_config_disable_resolution": 1,
    // BuildKit's client raises the receive limit to containerd's 16 MiB.
    "grpc.max_receive_message_length": 16 << 20,
    ...(authority !== "" ? { "grpc.default_authority": authority } : {}),
    ...(tls?.serverName !== undefined && tls.serverName !== ""
      ? { "grpc.ssl_target_name_override": tls.serverName }
      : {})
  }
  try {
    const credentials =
      tls === undefined
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(
            tls.ca === undefined ? null : Buffer.from(tls.ca),
            tls.key === undefined ? null : Buffer.from(tls.key),
            tls.cert === undefined ? null : Buffer.from(tls.cert)
          )
    return { _tag: "Channel", network: parsed.network, client: new grpc.Client(parsed.target, credentials, options) }
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e)
    return {
      _tag: "Refused",
      network: parsed.network,
      description: dialFailureDescription(`error loading tls config: ${text}`)
    }
  }
}

const unary = <Res>(
  endpoint: string,
  dial: Dial,
  method: "ListWorkers" | "Info",
  request: object,
  prefix: string
): Effect.Effect<Res, BuildkitError> => {
  if (dial._tag === "Refused") {
    // grpc-go reports a dial failure as an Unavailable status on the first RPC.
    const cause = { code: grpc.status.UNAVAILABLE, details: dial.description }
    return Effect.fail(toBuildkitError({ endpoint, network: dial.network, prefix, cause }))
  }
  const definition = controlService[method]
  if (definition === undefined) return Effect.die(new Error(`control.proto lacks ${method}`))
  // grpc-go fails a call whose context deadline passed with this status; BuildKit's client words it.
  const expired = () =>
    toBuildkitError({
      endpoint,
      network: dial.network,
      prefix,
      cause: { code: grpc.status.DEADLINE_EXCEEDED, details: "context deadline exceeded" }
    })
  const call = Effect.async<Res, BuildkitError>((resume) => {
    const pending = dial.client.makeUnaryRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize as (bytes: Buffer) => Res,
      request,
      (error, response) => {
        if (error !== null || response === undefined) {
          resume(Effect.fail(toBuildkitError({ endpoint, network: dial.network, prefix, cause: error })))
        } else {
          resume(Effect.succeed(response))
        }
      }
    )
    // Interruption (the deadline, Ctrl-C) cancels the RPC; the channel closes with the scope.
    return Effect.sync(() => pending.cancel())
  })
  return withinDeadline(call, expired)
}

const connection = (endpoint: string, dial: Dial): BuildkitConnection => ({
  listWorkers: unary<WireListWorkersResponse>(
    endpoint,
    dial,
    "ListWorkers",
    { filter: [] },
    "failed to list workers: "
  ).pipe(Effect.map((response) => response.record.map(toWorkerInfo))),
  info: unary<WireInfoResponse>(endpoint, dial, "Info", {}, "failed to call info: ").pipe(Effect.map(toBuildkitInfo))
})

/**
 * Opens a channel to a BuildKit Control service. Nothing is dialled until the first RPC, as with
 * BuildKit's Go client, so an unreachable or malformed address surfaces as an Unavailable RPC error.
 */
export const connect = (target: BuildkitTarget): Effect.Effect<BuildkitConnection, BuildkitError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => openChannel(target)),
    (dial) => Effect.sync(() => (dial._tag === "Channel" ? dial.client.close() : undefined))
  ).pipe(Effect.map((dial) => connection(target.address, dial)))

/**
 * A connection whose dial already failed: every RPC fails with Unavailable, as grpc-go reports a
 * failing custom dialer (e.g. the remote driver's TLS files could not be loaded).
 */
export const refusedConnection = (endpoint: string, dialError: string): BuildkitConnection =>
  connection(endpoint, { _tag: "Refused", network: "", description: dialFailureDescription(dialError) })

/** The BuildkitClient service over grpc-js. */
export const buildkitClient: BuildkitClientService = { connect }
