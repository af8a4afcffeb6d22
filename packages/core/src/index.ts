/**
 * @buildlens/core: the builder model of buildx and the Effect program that loads it. Imports only effect.
 */
export * from "./Errors.js"
export * from "./Node.js"
export * from "./NodeGroup.js"
export * as Platforms from "./Platform.js"
export { Platform } from "./Platform.js"
export * from "./Services.js"
