import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { AuditTrail } from '@pdp/audit';
import { AdminActor, AdminGuard, ProblemException } from '@pdp/http';
import { Account, AccessService, accountViolations } from '../access';

/**
 * Admins name the operators (admin, ops, analyst) and the senders' software, and issue their
 * credentials: a secret is shown once, in the answer that creates it; every change is audited.
 */
@Controller('v1/accounts')
@UseGuards(AdminGuard)
export class AccountsController {
  constructor(
    private readonly access: AccessService,
    private readonly audit: AuditTrail,
  ) {}

  @Get()
  list() {
    return this.access.accounts();
  }

  @Post()
  @HttpCode(201)
  async create(@Body() body: Account, @AdminActor() actor: string) {
    const errors = accountViolations(body ?? {});
    if (errors.length) throw new ProblemException(400, 'Invalid account', `${errors.length} violation(s)`, errors);
    const known = await this.access.account(body.accountId);
    if (known && known.role !== body.role)
      throw new ProblemException(409, 'Account role cannot change', `${body.accountId} is ${known.role}; name the new role's holder with an account of its own.`, [
        { path: '/role', message: `is ${known.role}` },
      ]);
    const change = await this.access.saveAccount({ accountId: body.accountId, role: body.role, name: body.name });
    const account = (await this.access.account(body.accountId))!;
    if (change === 'created') {
      const credential = await this.access.rotate('account', account.accountId);
      await this.audit.append([
        { action: 'account-created', subjectType: 'account', subjectId: account.accountId, actor, detail: { role: account.role, name: account.name, clientId: credential.clientId } },
      ]);
      return { ...account, credential: { clientId: credential.clientId, clientSecret: credential.clientSecret } };
    }
    await this.audit.append([{ action: 'account-updated', subjectType: 'account', subjectId: account.accountId, actor, detail: { role: account.role, name: account.name } }]);
    return account;
  }

  /** A new secret for the account; its previous credentials and their tokens stop working at once. */
  @Post(':accountId/credentials')
  @HttpCode(201)
  async rotate(@Param('accountId') accountId: string, @AdminActor() actor: string) {
    if (!(await this.access.account(accountId))) throw new ProblemException(404, 'Unknown account', `No account ${accountId}.`);
    const credential = await this.access.rotate('account', accountId);
    await this.audit.append([{ action: 'credential-rotated', subjectType: 'account', subjectId: accountId, actor, detail: { clientId: credential.clientId, revoked: credential.revoked } }]);
    return { clientId: credential.clientId, clientSecret: credential.clientSecret };
  }
}
