// A real OpenID Connect provider for weft's login tests (npm oidc-provider 9.x, its
// development login form): users alice, bob (example.com) and mallory (other.org) with groups,
// one confidential client whose redirect URI is weft serve's /oidc/callback.
// usage: node provider.mjs ISSUER_URL PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Key rotation, for the tests that restart it: WEFT_OIDC_KEY_GEN=N (default 1) makes fresh keys
// named rsa-N and ec-N; WEFT_OIDC_HIDE_SIGNING_KEY=1 leaves the key that signs ID tokens out of
// the published JWK Set (tokens signed by a key no relying party can know).
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK } from 'jose';

const [issuer, port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!redirectUri) {
  console.error('usage: node provider.mjs ISSUER_URL PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI');
  process.exit(2);
}

const accounts = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice', groups: ['eng'] },
  bob: { email: 'bob@example.com', email_verified: true, name: 'Bob', groups: ['ops'] },
  mallory: { email: 'mallory@other.org', email_verified: true, name: 'Mallory', groups: [] },
};

const rsa = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);
const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
// ID tokens are signed with ES256 unless the client asks otherwise; both keys are published.
const signing = process.env.WEFT_OIDC_ALG || 'ES256';
const gen = process.env.WEFT_OIDC_KEY_GEN || '1';
const keys = [{ ...rsa, kid: `rsa-${gen}`, use: 'sig', alg: 'RS256' }, { ...ec, kid: `ec-${gen}`, use: 'sig', alg: 'ES256' }];
const hidden = process.env.WEFT_OIDC_HIDE_SIGNING_KEY === '1'
  ? keys.find((k) => k.alg === signing).kid : undefined;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: signing,
  }],
  jwks: { keys },
  cookies: { keys: ['weft-test-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  conformIdTokenClaims: false,  // the scopes' claims go into the ID token itself
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const a = accounts[id];
    if (!a) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...a }; } };
  },
});
provider.proxy = false;
if (hidden) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/jwks' && ctx.body && Array.isArray(ctx.body.keys)) {
      ctx.body = { keys: ctx.body.keys.filter((k) => k.kid !== hidden) };
    }
  });
}
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message));
provider.listen(Number(port), () =>
  console.log(`oidc-provider listening on ${issuer} (keys ${keys.map((k) => k.kid).join(', ')}` +
              `${hidden ? `, ${hidden} not published` : ''})`));
