/**
 * The private dockerd of `npm test`: scripts/test.sh starts it in a temp folder and exports its socket as
 * BUILDLENS_TEST_DOCKER_HOST. Integration tests fail (never skip) when it is missing.
 */
import type { DockerEndpoint } from "@buildlens/core"

/** The private daemon's host (`unix:///tmp/.../docker.sock`); throws when the tests run without it. */
export const testDockerHost = (): string => {
  const host = process.env.BUILDLENS_TEST_DOCKER_HOST
  if (host === undefined || host === "") {
    throw new Error(
      "BUILDLENS_TEST_DOCKER_HOST is not set: integration tests need the private dockerd started by npm test / scripts/test.sh"
    )
  }
  return host
}

/** The private daemon's socket path. */
export const testDockerSocket = (): string => testDockerHost().replace(/^unix:\/\//, "")

/** A plain (no TLS) endpoint for the private daemon. */
export const testDockerEndpoint = (): DockerEndpoint => ({
  host: testDockerHost(),
  skipTLSVerify: false,
  tls: undefined
})
