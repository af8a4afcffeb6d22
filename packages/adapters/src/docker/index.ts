/**
 * @buildlens/adapters/docker: the DockerApi port over dockerode (ping, version, the `/grpc` h2c hijack
 * bridged to a unix socket for grpc-js) and the `docker` driver factory.
 */
export { DockerApiLive, dockerClient } from "./Api.js"
export { callUrl, DeadlineExceeded, type DockerCall, toDockerApiError, UpgradeRefused } from "./ApiError.js"
export { type BridgeDial, type GrpcBridge, grpcBridge } from "./Bridge.js"
export { DockerDriverFactory, dockerDriverFactory } from "./Driver.js"
export { type DialMeta, hijack, scopedConnection } from "./Hijack.js"
export { apiPath, type DockerAddress, type DockerTransport, parseDockerHost, requestTarget } from "./Host.js"
