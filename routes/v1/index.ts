import type { RouteSpec } from '../table'
import { v2Routes } from '../v2'

/** v1 currently exposes the same routes as v2; its differences are transforms. */
export const v1Routes: RouteSpec[] = v2Routes
