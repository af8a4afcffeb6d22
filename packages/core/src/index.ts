/**
 * @buildlens/core: the builder model of buildx and the Effect program that loads it. Imports only effect.
 */
export * from "./Deadline.js"
export * from "./Errors.js"
export * from "./GoText.js"
export * from "./Loader.js"
export * from "./Node.js"
export * from "./NodeGroup.js"
export * as Platforms from "./Platform.js"
export { Platform } from "./Platform.js"
export * from "./Resolve.js"
export * from "./Services.js"
export * from "./Validate.js"
