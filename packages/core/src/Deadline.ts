/**
 * The command's deadline (`--timeout`), carried like Go's context deadline: adapters bound each
 * call they make by it and fail with their own error, so each driver words an expired deadline as
 * buildx does (the remote driver reports `inactive`, ListWorkers a DeadlineExceeded status).
 */
import { Clock, Effect, FiberRef } from "effect"

/** Epoch milliseconds by which the current load must end; undefined for no deadline. */
export const CurrentDeadline: FiberRef.FiberRef<number | undefined> = FiberRef.unsafeMake<number | undefined>(undefined)

/** Runs `self` until the current deadline, failing with `onExpiry()` when it passes first. */
export const withinDeadline = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  onExpiry: () => E2
): Effect.Effect<A, E | E2, R> =>
  Effect.flatMap(FiberRef.get(CurrentDeadline), (deadline) =>
    deadline === undefined
      ? self
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.timeoutFail(self, { duration: Math.max(0, deadline - now), onTimeout: onExpiry })
        )
  )
