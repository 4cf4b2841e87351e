// A stand-in OpenID provider on loopback, for tests and local trials of `auth.issuers`:
// it publishes OIDC discovery (/.well-known/openid-configuration) and a JWKS with an
// RS256, an ES256 and an EdDSA key, and mints tokens shaped like common providers'
// access tokens (typ JWT, no nbf, no jti). Never for anything but loopback.
//
//   node scripts/dev-idp.mjs [port]     # prints the SWITCHYARD_AUTH value to use
//   curl -s 'http://127.0.0.1:9400/token?sub=1&scope=users:read'   # an RS256 token, 1 h
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'

export const DEV_IDP_AUDIENCE = 'https://api.switchyard.example'
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA']

export async function startDevIdp({ port = 0, host = '127.0.0.1' } = {}) {
  const keys = {}
  for (const alg of ALGORITHMS) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' && { crv: 'Ed25519' }) })
    const kid = `dev-idp-${alg.toLowerCase()}`
    keys[alg] = {
      kid,
      privateKey,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    }
  }
  const stats = { discovery: 0, jwks: 0 }
  let issuer = ''

  /** A token as a provider would issue it; `claims` and `header` override the defaults. */
  const sign = ({ alg = 'RS256', header = {}, ...claims } = {}) => {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ iss: issuer, aud: DEV_IDP_AUDIENCE, sub: '1', iat: now, exp: now + 3600, ...claims })
      .setProtectedHeader({ alg, typ: 'JWT', kid: keys[alg].kid, ...header })
      .sign(keys[alg].privateKey)
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    const json = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=300' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      stats.discovery++
      return json(200, { issuer, jwks_uri: `${issuer}/jwks.json`, id_token_signing_alg_values_supported: ALGORITHMS })
    }
    if (url.pathname === '/jwks.json') {
      stats.jwks++
      return json(200, { keys: ALGORITHMS.map((alg) => keys[alg].publicJwk) })
    }
    if (url.pathname === '/token') {
      const claims = Object.fromEntries(url.searchParams)
      res.writeHead(200, { 'content-type': 'text/plain' })
      return res.end(await sign(claims))
    }
    if (url.pathname === '/__stats') return json(200, stats)
    json(404, { error: 'not_found' })
  })
  await new Promise((resolve) => server.listen(port, host, resolve))
  issuer = `http://${host}:${server.address().port}`
  return {
    issuer,
    jwksUrl: `${issuer}/jwks.json`,
    audience: DEV_IDP_AUDIENCE,
    privateJwks: Object.fromEntries(ALGORITHMS.map((alg) => [alg, keys[alg].privateJwk])),
    stats,
    sign,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const idp = await startDevIdp({ port: Number(process.argv[2] ?? 9400) })
  const setting = { issuers: [{ issuer: idp.issuer, audiences: [idp.audience], algorithms: ALGORITHMS }] }
  console.log(`dev identity provider ${idp.issuer} (discovery at /.well-known/openid-configuration)`)
  console.log(`SWITCHYARD_AUTH='${JSON.stringify(setting)}'`)
  console.log(`a token: curl -s '${idp.issuer}/token?sub=1'`)
}
