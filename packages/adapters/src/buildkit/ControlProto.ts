/**
 * BuildKit's Control service as buildlens speaks it: the proto text (kept here as a string so the
 * esbuild bundle needs no file next to it), the grpc-js service definition built from it, and
 * the wire shapes grpc-js hands out (longs as numbers, defaults filled in, field names as declared).
 */

import type { ServiceDefinition } from "@grpc/grpc-js"
import * as protoLoader from "@grpc/proto-loader"
import protobuf from "protobufjs"

/** Our own minimal proto of BuildKit's Control service. */
export const controlProtoText: string = `// The part of BuildKit's Control service that buildlens calls: ListWorkers and Info.
// Field numbers follow moby/buildkit api/services/control/control.proto, api/types/worker.proto
// and solver/pb/ops.proto; message names are local (only the service and method names travel on
// the wire), so everything lives in one package and needs no imports.
syntax = "proto3";

package moby.buildkit.v1;

service Control {
  rpc ListWorkers(ListWorkersRequest) returns (ListWorkersResponse);
  rpc Info(InfoRequest) returns (InfoResponse);
}

message ListWorkersRequest {
  repeated string filter = 1;
}

message ListWorkersResponse {
  repeated WorkerRecord record = 1;
}

message WorkerRecord {
  string ID = 1;
  map<string, string> Labels = 2;
  repeated Platform platforms = 3;
  repeated GCPolicy GCPolicy = 4;
  BuildkitVersion BuildkitVersion = 5;
  repeated CDIDevice CDIDevices = 6;
}

// pb.Platform.
message Platform {
  string Architecture = 1;
  string OS = 2;
  string Variant = 3;
  string OSVersion = 4;
  repeated string OSFeatures = 5;
}

// Field 3 was keepBytes until BuildKit v0.17 renamed it (same wire slot), so an older daemon's
// keepBytes arrives here as reservedSpace, exactly as buildx's vendored client reads it.
message GCPolicy {
  bool all = 1;
  int64 keepDuration = 2;
  int64 reservedSpace = 3;
  repeated string filters = 4;
  int64 maxUsedSpace = 5;
  int64 minFreeSpace = 6;
}

message CDIDevice {
  string Name = 1;
  bool AutoAllow = 2;
  map<string, string> Annotations = 3;
  bool OnDemand = 4;
}

message BuildkitVersion {
  string package = 1;
  string version = 2;
  string revision = 3;
}

message InfoRequest {}

message InfoResponse {
  BuildkitVersion buildkitVersion = 1;
}
`

/** `pb.Platform` on the wire. */
export interface WirePlatform {
  readonly Architecture: string
  readonly OS: string
  readonly Variant: string
  readonly OSVersion: string
  readonly OSFeatures: ReadonlyArray<string>
}

/** `types.GCPolicy` on the wire; sizes in bytes, keepDuration in nanoseconds. */
export interface WireGCPolicy {
  readonly all: boolean
  readonly keepDuration: number
  readonly reservedSpace: number
  readonly filters: ReadonlyArray<string>
  readonly maxUsedSpace: number
  readonly minFreeSpace: number
}

/** `types.CDIDevice` on the wire. */
export interface WireCDIDevice {
  readonly Name: string
  readonly AutoAllow: boolean
  readonly Annotations: Readonly<Record<string, string>>
  readonly OnDemand: boolean
}

/** `types.BuildkitVersion` on the wire. */
export interface WireBuildkitVersion {
  readonly package: string
  readonly version: string
  readonly revision: string
}

/** `types.WorkerRecord` on the wire. */
export interface WireWorkerRecord {
  readonly ID: string
  readonly Labels: Readonly<Record<string, string>>
  readonly platforms: ReadonlyArray<WirePlatform>
  readonly GCPolicy: ReadonlyArray<WireGCPolicy>
  readonly BuildkitVersion: WireBuildkitVersion | null
  readonly CDIDevices: ReadonlyArray<WireCDIDevice>
}

export interface WireListWorkersRequest {
  readonly filter: ReadonlyArray<string>
}
export interface WireListWorkersResponse {
  readonly record: ReadonlyArray<WireWorkerRecord>
}
export type WireInfoRequest = Record<string, never>
export interface WireInfoResponse {
  readonly buildkitVersion: WireBuildkitVersion | null
}

/** The fully qualified service name; grpc-js paths are `/<name>/<Method>`. */
export const controlServiceName = "moby.buildkit.v1.Control"

const loadControlService = (): ServiceDefinition => {
  // keepCase: BuildKit's field names mix cases (ID, Labels, platforms); keep them as declared.
  const root = protobuf.parse(controlProtoText, { keepCase: true }).root
  const definition = protoLoader.fromJSON(root.toJSON(), {
    keepCase: true,
    longs: Number,
    defaults: true,
    arrays: true,
    objects: true
  })
  return definition[controlServiceName] as ServiceDefinition
}

/** The grpc-js definition of `moby.buildkit.v1.Control` (ListWorkers and Info only), shared by client and test server. */
export const controlService: ServiceDefinition = loadControlService()
