import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { Response } from 'express';
import { PARTNER_AUTHENTICATOR, PartnerAuthenticator } from '@pdp/http';
import { AccessService } from '../access';

interface TokenRequest {
  grant_type?: unknown;
  client_id?: unknown;
  client_secret?: unknown;
}

/**
 * The OAuth2 token endpoint (RFC 6749 §4.4, client credentials) and the hub's public key set.
 * Its errors follow RFC 6749 §5.2, which a client library expects, not RFC 7807.
 */
@Controller()
export class TokenController {
  constructor(
    private readonly access: AccessService,
    @Inject(PARTNER_AUTHENTICATOR) private readonly partners: PartnerAuthenticator,
  ) {}

  @Post('oauth/token')
  @HttpCode(200)
  async token(@Body() body: TokenRequest = {}, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    const fail = (status: number, error: string, description: string) => {
      res.status(status);
      // RFC 6749 §5.2: the challenge answers a client that authenticated with the Authorization
      // header. One that sent its credentials in the form gets none (a browser would otherwise
      // open its own password prompt over the console).
      if (status === 401 && authorization) res.setHeader('WWW-Authenticate', 'Basic realm="pdp-hub"');
      return { error, error_description: description };
    };
    if (body?.grant_type !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
    let clientId = body.client_id;
    let clientSecret = body.client_secret;
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) [clientId, clientSecret] = [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
    }
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || clientId.length > 200 || clientSecret.length > 200)
      return fail(401, 'invalid_client', 'Send client_id and client_secret (HTTP Basic or form fields).');
    const granted = await this.access.grant(clientId, clientSecret, async (partnerId) => (await this.partners.get(partnerId))?.category ?? null);
    if (!granted) return fail(401, 'invalid_client', 'Unknown client or wrong secret.');
    return { access_token: granted.accessToken, token_type: 'Bearer', expires_in: granted.expiresIn };
  }

  @Get('.well-known/jwks.json')
  keySet() {
    return this.access.tokens.keySet();
  }
}
