/**
 * Builder name validation as the buildx store does it (`store.ValidateName`, SPEC §1.7).
 */
import { Either } from "effect"
import { InvalidBuilderName } from "./Errors.js"

// buildx's pattern: a letter, then letters, digits, `.`, `-` or `_`.
const namePattern = /^[a-zA-Z][a-zA-Z0-9.\-_]*$/

/**
 * Checks a builder name and returns the lower-cased form buildx uses for `instances/<name>`;
 * the stored JSON keeps the original case.
 */
export const validateBuilderName = (name: string): Either.Either<string, InvalidBuilderName> =>
  namePattern.test(name) ? Either.right(name.toLowerCase()) : Either.left(new InvalidBuilderName({ name }))
