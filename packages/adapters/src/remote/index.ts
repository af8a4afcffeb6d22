/**
 * @buildlens/adapters/remote: the remote driver, a BuildKit daemon at a `unix://` or `tcp://`
 * endpoint (connection-helper schemes are refused for now).
 */
export { makeRemoteDriverFactory, RemoteDriverFactory, type RemoteOptions, validateRemoteConfig } from "./Driver.js"
export {
  clientAuthority,
  type GoUrl,
  type GoUrlResult,
  goHostname,
  parseGoUrl,
  remoteSchemes,
  validateEndpoint
} from "./Endpoint.js"
