/**
 * @buildlens/adapters/buildkit: the BuildkitClient port over gRPC (@grpc/grpc-js), speaking the
 * ListWorkers and Info RPCs of BuildKit's `moby.buildkit.v1.Control` service.
 */
import { BuildkitClient } from "@buildlens/core"
import { Layer } from "effect"
import { buildkitClient } from "./Client.js"

export {
  buildkitClient,
  connect,
  dialFailureDescription,
  goErrnoText,
  refusedConnection,
  toBuildkitError,
  toWorkerInfo
} from "./Client.js"
export {
  controlProtoText,
  controlService,
  controlServiceName,
  type WireBuildkitVersion,
  type WireCDIDevice,
  type WireGCPolicy,
  type WireInfoRequest,
  type WireInfoResponse,
  type WireListWorkersRequest,
  type WireListWorkersResponse,
  type WirePlatform,
  type WireWorkerRecord
} from "./ControlProto.js"

/** BuildkitClient over grpc-js; every `connect` opens its own channel, closed with the caller's scope. */
export const BuildkitClientLive: Layer.Layer<BuildkitClient> = Layer.succeed(BuildkitClient, buildkitClient)
