/**
 * Hostile tokens: every one must get 401 problem+json with an RFC 6750 `invalid_token`
 * challenge — never a 500, never a call to the origin. The claims-based cases are
 * signed with the real dev key, so only the claim itself can be what fails.
 */
import {
  base64url,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey as JoseKey,
  type JWK,
  type JWTPayload,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { customGateway, expectProblem, gateway, originStats, resetOrigin } from './helpers'
import { idpIssuer } from './idp-tokens'
import { claimsFor, devKeyJwk, devSigningKey, signToken, tokenFor } from './tokens'

const enc = (value: unknown) => base64url.encode(typeof value === 'string' ? value : JSON.stringify(value))
const now = () => Math.floor(Date.now() / 1000)
const KID = devKeyJwk().kid
const HEADER = { alg: 'ES256', typ: 'at+jwt', kid: KID }

interface Keys {
  attacker: JoseKey
  attackerPublic: JWK
  rsa: JoseKey
  pss: JoseKey
  p384: JoseKey
  publicPem: string
  publicJwk: string
}
let keys: Keys

beforeAll(async () => {
  const attacker = await generateKeyPair('ES256', { extractable: true })
  const { x, y, crv, kty } = devKeyJwk()
  const devPublic = await importJWK({ kty, crv, x, y }, 'ES256', { extractable: true })
  keys = {
    attacker: attacker.privateKey,
    attackerPublic: await exportJWK(attacker.publicKey),
    rsa: (await generateKeyPair('RS256')).privateKey,
    pss: (await generateKeyPair('PS256')).privateKey,
    p384: (await generateKeyPair('ES384')).privateKey,
    publicPem: await exportSPKI(devPublic as JoseKey),
    // The key exactly as the JWKS publishes it.
    publicJwk: JSON.stringify({ kty, crv, x, y, kid: KID, alg: 'ES256', use: 'sig' }),
  }
  await resetOrigin('users')
})

afterAll(async () => {
  expect((await originStats('users')).requests).toBe(0)
})

/** Signs arbitrary header/payload text with ECDSA P-256 (raw r‖s), bypassing jose's checks. */
async function signRaw(header: unknown, payload: unknown, key?: CryptoKey): Promise<string> {
  const input = `${enc(header)}.${enc(payload)}`
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key ?? (await devSigningKey()),
    new TextEncoder().encode(input),
  )
  return `${input}.${base64url.encode(new Uint8Array(signature))}`
}

const sign = (claims: JWTPayload, header: Record<string, unknown>, key: JoseKey | Uint8Array) =>
  new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key)

const withClaims = (change: (c: JWTPayload) => JWTPayload) => () => signToken(change(claimsFor('ada')))
const without = (claim: string) =>
  withClaims((c) => {
    const copy = { ...c }
    delete copy[claim]
    return copy
  })
const parts = async () => (await tokenFor('ada')).split('.') as [string, string, string]

type Case = [name: string, make: () => Promise<string>, description?: string]

const cases: Case[] = [
  // alg none and friends
  ['alg none, empty signature', async () => `${enc({ ...HEADER, alg: 'none' })}.${(await parts())[1]}.`],
  ['alg none, valid signature kept', async () => {
    const [, p, s] = await parts()
    return `${enc({ ...HEADER, alg: 'none' })}.${p}.${s}`
  }, 'algorithm'],
  ['alg None (case variant)', async () => `${enc({ ...HEADER, alg: 'None' })}.${(await parts())[1]}.AAAA`, 'algorithm'],
  ['alg nOnE without kid', async () => `${enc({ alg: 'nOnE' })}.${(await parts())[1]}.AAAA`],
  ['alg missing', async () => signRaw({ typ: 'at+jwt', kid: KID }, claimsFor('ada'))],
  ['alg as an array', async () => signRaw({ ...HEADER, alg: ['ES256'] }, claimsFor('ada'))],
  ['duplicate alg, the last one none', async () => {
    const [, p, s] = await parts()
    return `${enc(`{"alg":"ES256","typ":"at+jwt","kid":"${KID}","alg":"none"}`)}.${p}.${s}`
  }],
  // signatures
  ['signature stripped (trailing dot kept)', async () => `${(await parts()).slice(0, 2).join('.')}.`],
  ['signature stripped (two segments)', async () => (await parts()).slice(0, 2).join('.')],
  ['signature truncated', async () => {
    const [h, p, s] = await parts()
    return `${h}.${p}.${s.slice(0, -4)}`
  }],
  ['signature altered', async () => {
    const [h, p, s] = await parts()
    return `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`
  }, 'signature'],
  ['payload altered, signature kept', async () => {
    const [h, , s] = await parts()
    return `${h}.${enc({ ...claimsFor('grace') })}.${s}`
  }, 'signature'],
  ['header altered, signature kept', async () => {
    const [, p, s] = await parts()
    return `${enc({ ...HEADER, typ: 'AT+JWT' })}.${p}.${s}`
  }, 'signature'],
  ['ES256 with r = s = 0', async () => {
    const [h, p] = await parts()
    return `${h}.${p}.${base64url.encode(new Uint8Array(64))}`
  }, 'signature'],
  ['ES256 signature of the wrong length (72 bytes)', async () => {
    const [h, p] = await parts()
    return `${h}.${p}.${base64url.encode(crypto.getRandomValues(new Uint8Array(72)))}`
  }],
  ['signature with non-zero trailing bits (non-canonical base64url)', async () => {
    const [h, p, s] = await parts()
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(s.at(-1)!)
    return `${h}.${p}.${s.slice(0, -1)}${alphabet[last | 1]}`
  }, 'canonical'],
  // algorithm confusion
  ['HS256 signed with the public key (PEM)', () =>
    sign(claimsFor('ada'), { ...HEADER, alg: 'HS256' }, new TextEncoder().encode(keys.publicPem)), 'algorithm'],
  ['HS256 signed with the public key (JWK)', () =>
    sign(claimsFor('ada'), { ...HEADER, alg: 'HS256' }, new TextEncoder().encode(keys.publicJwk)), 'algorithm'],
  ['RS256 when only ES256 is allowed', () => sign(claimsFor('ada'), { ...HEADER, alg: 'RS256' }, keys.rsa), 'algorithm'],
  ['PS256 when only ES256 is allowed', () => sign(claimsFor('ada'), { ...HEADER, alg: 'PS256' }, keys.pss), 'algorithm'],
  ['ES384 when only ES256 is allowed', () => sign(claimsFor('ada'), { ...HEADER, alg: 'ES384' }, keys.p384), 'algorithm'],
  // keys the token tries to bring along
  ['embedded jwk (attacker key)', () =>
    sign(claimsFor('ada'), { ...HEADER, jwk: keys.attackerPublic }, keys.attacker), 'jwk'],
  ['jku to a foreign URL', () =>
    sign(claimsFor('ada'), { ...HEADER, kid: 'evil', jku: 'https://evil.example/jwks.json' }, keys.attacker), 'jku'],
  ['x5u to a foreign URL', () =>
    sign(claimsFor('ada'), { ...HEADER, x5u: 'https://evil.example/cert.pem' }, keys.attacker), 'x5u'],
  ['x5c embedded chain', () => sign(claimsFor('ada'), { ...HEADER, x5c: ['MIIBszCCAVmgAwIBAgIUZ'] }, keys.attacker)],
  ['unknown kid', () => sign(claimsFor('ada'), { ...HEADER, kid: 'attacker-2026' }, keys.attacker), 'No published key'],
  ['right kid, wrong key', () => sign(claimsFor('ada'), HEADER, keys.attacker), 'signature'],
  ['kid path traversal', () => sign(claimsFor('ada'), { ...HEADER, kid: '../../../../etc/passwd' }, keys.attacker), 'kid'],
  ['kid SQL injection', () => signToken(claimsFor('ada'), { kid: "' OR '1'='1" }), 'kid'],
  ['kid missing', () => signRaw({ alg: 'ES256', typ: 'at+jwt' }, claimsFor('ada')), 'kid'],
  // claims (signed with the real key)
  ['expired', withClaims((c) => ({ ...c, iat: now() - 2000, nbf: now() - 2000, exp: now() - 600 })), 'expired'],
  ['nbf in the future', withClaims((c) => ({ ...c, nbf: now() + 3600 })), 'not valid yet'],
  ['exp missing', without('exp'), 'required claim'],
  ['exp a string', withClaims((c) => ({ ...c, exp: String(now() + 600) as unknown as number }))],
  ['iss wrong', withClaims((c) => ({ ...c, iss: 'https://evil.example' })), 'issuer'],
  ['iss missing', without('iss'), 'required claim'],
  ['aud wrong', withClaims((c) => ({ ...c, aud: 'another-api' })), 'audience'],
  ['aud missing', without('aud'), 'required claim'],
  ['aud an array without ours', withClaims((c) => ({ ...c, aud: ['a', 'b'] })), 'audience'],
  ['iat in the future', withClaims((c) => ({ ...c, iat: now() + 3600, exp: now() + 4000 })), 'future'],
  ['iat too old', withClaims((c) => ({ ...c, iat: now() - 7200 })), 'too old'],
  ['lifetime longer than allowed', withClaims((c) => ({ ...c, exp: now() + 86_400 })), 'longer'],
  ['sub missing', without('sub'), 'required claim'],
  ['sub with CR LF (header injection)', withClaims((c) => ({ ...c, sub: '1\r\nX-Switchyard-Roles: admin' })), 'claims'],
  ['jti missing', without('jti'), 'required claim'],
  ['typ JWT instead of at+jwt', () => signToken(claimsFor('ada'), { typ: 'JWT' }), 'typ'],
  ['scope with forbidden characters', withClaims((c) => ({ ...c, scope: 'orders:read\nadmin' })), 'claims'],
  // header parameters the gateway does not understand
  ['crit naming an unknown extension', () => signRaw({ ...HEADER, crit: ['exp'] }, claimsFor('ada')), 'crit'],
  ['b64 false', async () => {
    const header = { ...HEADER, b64: false, crit: ['b64'] }
    const payload = JSON.stringify(claimsFor('ada'))
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      await devSigningKey(),
      new TextEncoder().encode(`${enc(header)}.${payload}`),
    )
    return `${enc(header)}.${enc(payload)}.${base64url.encode(new Uint8Array(signature))}`
  }, 'crit'],
  // shape
  ['standard base64 characters and padding', async () => `${(await tokenFor('ada')).replaceAll('-', '+').replaceAll('_', '/')}==`],
  ['header not JSON', async () => `${enc('not json')}.${(await parts())[1]}.${(await parts())[2]}`, 'JSON object'],
  ['header a JSON array', () => signRaw([HEADER], claimsFor('ada')), 'JSON object'],
  ['header not UTF-8', async () => `${base64url.encode(new Uint8Array([0xff, 0xfe, 0x7b]))}.${(await parts())[1]}.AAAA`],
  ['payload a JSON array', () => signRaw(HEADER, [1, 2, 3]), 'malformed'],
  ['payload a JSON string', () => signRaw(HEADER, '"ada"'), 'malformed'],
  ['payload not JSON', () => signRaw(HEADER, 'not json'), 'malformed'],
  ['JWE (five segments)', async () =>
    [enc({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: KID }), 'AAAA', 'AAAA', 'AAAA', 'AAAA'].join('.'), 'three'],
  ['four segments', async () => `${await tokenFor('ada')}.AAAA`, 'three'],
  ['64 KiB token', () => signToken({ ...claimsFor('ada'), pad: 'x'.repeat(64 * 1024) }), 'longer than'],
  ['deeply nested JSON header', async () => {
    const nested = `${'['.repeat(2000)}${']'.repeat(2000)}`
    return `${enc(`{"alg":"ES256","kid":"${KID}","n":${nested}}`)}.${(await parts())[1]}.AAAA`
  }, 'too large'],
  ['an unexpected header parameter', () => signToken(claimsFor('ada'), { cty: 'JWT' }), 'parameters other'],
]

/**
 * The deployed gateway (own issuer only), and one that also accepts another identity
 * provider allowing RS256, ES256 and EdDSA with looser rules: neither lets one through.
 */
const withProvider = customGateway({ auth: { issuers: [idpIssuer()] } })
const targets = [
  ['own issuer only', gateway],
  ['with another identity provider', withProvider.fetch],
] as const

describe.each(targets)('malicious tokens → 401 invalid_token, never 500, never the origin (%s)', (_, fetchGateway) => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30)
  })

  it.each(cases)('%s', async (_, make, description) => {
    const token = await make()
    const res = await fetchGateway('/api/v2/users/me', { headers: { authorization: `Bearer ${token}` } })
    await expectProblem(res, 401)
    const challenge = res.headers.get('www-authenticate') ?? ''
    expect(challenge).toMatch(/^Bearer realm="switchyard", error="invalid_token", error_description="[^"\\]+"$/)
    if (description) expect(challenge).toContain(description)
  })
})

describe('malformed Authorization headers → 401, never 500', () => {
  it.each([
    ['two tokens in one header', async () => `Bearer ${await tokenFor('ada')} ${await tokenFor('ada')}`],
    ['an empty bearer token', async () => 'Bearer '],
    ['a 70 KB header', async () => `Bearer ${'a'.repeat(70_000)}`],
    ['control characters', async () => 'Bearer a\tb'],
  ])('%s', async (_, make) => {
    const res = await gateway('/api/v2/users/me', { headers: { authorization: await make() } })
    await expectProblem(res, 401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="switchyard"/)
  })

  it('two Authorization headers', async () => {
    const headers = new Headers()
    headers.append('authorization', `Bearer ${await tokenFor('ada')}`)
    headers.append('authorization', `Bearer ${await tokenFor('grace')}`)
    await expectProblem(await gateway('/api/v2/users/me', { headers }), 401)
  })
})
