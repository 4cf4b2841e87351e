/** Node-side helpers for the runs against a real `deno serve` gateway. */

/** Logs in through the gateway (the real auth origin) and returns the access token. */
export async function login(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/v2/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

/** The seeded admin (README dev accounts): may call every route. */
export const loginAdmin = (base: string) => login(base, 'grace@example.com', 'grace-dev-password')
