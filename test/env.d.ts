// Types the test Worker's `exports` (the gateway's default export) and `env`.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('../app/worker')
  }
}
