/**
 * The `X-Registry-Auth` header: base64url JSON credentials. Berth keeps no credential store yet, so it
 * sends the empty object docker sends for anonymous access.
 */
export function registryAuthHeader(): Record<string, string> {
  return { 'X-Registry-Auth': Buffer.from('{}').toString('base64url') };
}
