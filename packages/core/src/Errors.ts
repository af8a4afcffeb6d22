/**
 * Every failure the loader can meet, as tagged errors with domain fields. Messages are derived
 * from the fields and reproduce the text buildx prints, because `ls` and `inspect` show them.
 */
import { Schema } from "effect"
import { goQuote } from "./GoText.js"

/** Go's `%q` for the strings buildx quotes in messages (builder names); see GoQuote.ts. */

/** A builder name that the store refuses (`store.ValidateName`). */
export class InvalidBuilderName extends Schema.TaggedError<InvalidBuilderName>()("InvalidBuilderName", {
  name: Schema.String
}) {
  override get message(): string {
    return `invalid name ${this.name}, name needs to start with a letter and may not contain symbols, except ._-`
  }
}

/** Neither the store nor the docker contexts know this builder. */
export class BuilderNotFound extends Schema.TaggedError<BuilderNotFound>()("BuilderNotFound", {
  name: Schema.String
}) {
  override get message(): string {
    return `no builder ${goQuote(this.name)} found`
  }
}

/** A file of the buildx store could not be read or decoded. `detail` is the text buildx would print. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  path: Schema.String,
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return this.detail
  }
}

/** The docker config folder or context store could not be read or decoded. */
export class ContextStoreError extends Schema.TaggedError<ContextStoreError>()("ContextStoreError", {
  context: Schema.optional(Schema.String),
  path: Schema.optional(Schema.String),
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return this.detail
  }
}

/** Why a Docker API call failed, mapped from errno / HTTP status by the docker adapter. */
export const DockerApiReason = Schema.Literal(
  "Unreachable",
  "NotFound",
  "PermissionDenied",
  "BadHost",
  "Tls",
  "Http",
  "Protocol",
  "Timeout"
)
export type DockerApiReason = typeof DockerApiReason.Type

/** A Docker API failure for one endpoint. */
export class DockerApiError extends Schema.TaggedError<DockerApiError>()("DockerApiError", {
  endpoint: Schema.String,
  reason: DockerApiReason,
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    switch (this.reason) {
      case "Unreachable":
        return `Cannot connect to the Docker daemon at ${this.endpoint}. Is the docker daemon running?`
      case "BadHost":
        return `unable to parse docker host \`${this.endpoint}\``
      default:
        return this.detail
    }
  }
}

/** gRPC status code names (the closed set BuildKit answers with). */
export const GrpcCode = Schema.Literal(
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED"
)
export type GrpcCode = typeof GrpcCode.Type

/** A BuildKit RPC or connection failure. `detail` is the text as buildx shows it. */
export class BuildkitError extends Schema.TaggedError<BuildkitError>()("BuildkitError", {
  endpoint: Schema.String,
  code: GrpcCode,
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return this.detail
  }
}

/** A driver refused a node (factory lookup, option validation) or could not reach its backend. */
export class DriverError extends Schema.TaggedError<DriverError>()("DriverError", {
  driver: Schema.String,
  node: Schema.optional(Schema.String),
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return this.detail
  }
}

/** The command's `--timeout` ran out before this node finished loading. */
export class DeadlineExceeded extends Schema.TaggedError<DeadlineExceeded>()("DeadlineExceeded", {
  builder: Schema.String,
  node: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return "context deadline exceeded"
  }
}

/** The first node's `buildkitd.toml` does not parse; buildx fails the whole builder (SPEC §1.6). */
export class BuildkitdConfigError extends Schema.TaggedError<BuildkitdConfigError>()("BuildkitdConfigError", {
  builder: Schema.String,
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return `failed to parse config: ${this.detail}`
  }
}

/** Everything a single node's load can fail with. */
export type LoadFailure = DockerApiError | BuildkitError | DriverError | ContextStoreError | DeadlineExceeded

const isLoadFailure = (u: unknown): u is LoadFailure =>
  u instanceof DockerApiError ||
  u instanceof BuildkitError ||
  u instanceof DriverError ||
  u instanceof ContextStoreError ||
  u instanceof DeadlineExceeded

/** A step of loadData that failed, kept with the underlying failure; the prefix is buildx's wording. */
export class NodeStepError extends Schema.TaggedError<NodeStepError>()("NodeStepError", {
  step: Schema.Literal("listing workers", "getting version"),
  failure: Schema.declare(isLoadFailure)
}) {
  override get message(): string {
    return `${this.step}: ${this.failure.message}`
  }
}

/** The failure kept on a loaded node, or on a builder whose factory could not be chosen. */
export type NodeError = LoadFailure | NodeStepError
/** The failure kept on a builder: no driver factory could be chosen, or the load ran out of time. */
export type BuilderError =
  | DockerApiError
  | DriverError
  | ContextStoreError
  | StoreError
  | DeadlineExceeded
  | BuildkitdConfigError
