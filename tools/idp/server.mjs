// A local OpenID Connect provider for tests and `make idp`: panva's certified oidc-provider, on 127.0.0.1 only,
// with the demo accounts of accounts.json (sign in with the login, any password; consent is implied).
// Settings by environment: IDP_PORT (9090), IDP_CLIENT_SECRET, IDP_REDIRECT_URIS (comma-separated).
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.IDP_PORT || 9090);
const issuer = `http://127.0.0.1:${port}`;
const { accounts } = JSON.parse(readFileSync(new URL('./accounts.json', import.meta.url), 'utf8'));
const redirects = (process.env.IDP_REDIRECT_URIS
  || 'http://localhost:8501/oauth2callback,http://127.0.0.1:8501/oauth2callback').split(',');

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'observatoire',
    client_secret: process.env.IDP_CLIENT_SECRET || 'observatoire-secret-de-test',
    redirect_uris: redirects,
    post_logout_redirect_uris: redirects.map((uri) => uri.replace(/oauth2callback$/, '')),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['observatoire-idp-de-test-seulement'] },
  // The e-mail in the ID token itself: Streamlit's st.user reads the ID token's claims, not /userinfo.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const account = accounts.find((a) => a.login === id || a.email === id);
    if (!account) return undefined;
    return {
      accountId: account.login,
      async claims() {
        return { sub: account.login, email: account.email, email_verified: true, name: account.name };
      },
    };
  },
  // Demo accounts: consent is implied for the one client (no consent screen).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`Fournisseur d'identité de test : ${issuer}/.well-known/openid-configuration`);
  console.log(`Comptes : ${accounts.map((a) => a.login).join(', ')} (mot de passe quelconque)`);
});
