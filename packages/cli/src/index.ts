/**
 * @buildlens/cli as a library: the live layer that wires every adapter, for services that embed
 * buildlens (`listBuilders` and `loadNodes` come from @buildlens/core).
 */
export { driverFactories, type LiveOptions, liveLayer } from "./layers.js"
