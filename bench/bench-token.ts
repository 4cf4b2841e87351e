// The access token the benches send: the auth service's shape (ES256, `at+jwt`, the
// seeded admin with every scope), valid for the 15 minutes the gateway allows.
import { SignJWT } from 'jose'

export function signBenchToken(privateKey: Parameters<SignJWT['sign']>[0], kid = 'bench'): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    iss: 'https://auth.switchyard.example',
    aud: 'switchyard-api',
    sub: '2',
    iat: now,
    nbf: now,
    exp: now + 900,
    jti: crypto.randomUUID(),
    client_id: 'switchyard',
    scope: 'users:read users:write orders:read orders:write payments:read payments:write inventory:write',
    roles: ['admin'],
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .sign(privateKey)
}
