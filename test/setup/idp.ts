// vitest globalSetup (runs in Node, not workerd): a stand-in OpenID provider on loopback
// (scripts/dev-idp.mjs) whose discovery document and JWKS the gateway fetches over
// 127.0.0.1. Its issuer, audience and private keys reach the test Worker as DEV_IDP
// (vitest.config.ts), so tests sign that provider's tokens themselves.
// @ts-expect-error plain ESM script shared with dev tooling
import { startDevIdp } from '../../scripts/dev-idp.mjs'

interface SetupProject {
  provide: (key: string, value: unknown) => void
}

export default async function setup(project: SetupProject): Promise<() => Promise<void>> {
  const idp = (await startDevIdp()) as { issuer: string; audience: string; privateJwks: unknown; close: () => Promise<void> }
  project.provide('devIdp', JSON.stringify({ issuer: idp.issuer, audience: idp.audience, privateJwks: idp.privateJwks }))
  return () => idp.close()
}
