import { readFileSync } from 'fs';
import { Account, AccessService, accountViolations } from './access';

/**
 * The operators' named accounts (ACCOUNTS_FILE), created or updated at start-up: how the first
 * admin exists in a deployment without a shared key. Secrets come from the environment
 * variables the file names (secretEnv), never from the file.
 */
export async function loadAccountsFile(file: string, secrets: Record<string, string>, access: AccessService): Promise<number> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { accounts?: unknown };
  if (!Array.isArray(parsed?.accounts)) throw new Error(`accounts file ${file}: expected {"accounts": [...]}`);
  const accounts = parsed.accounts as (Account & { secretEnv?: string })[];
  accounts.forEach((a, i) => {
    const errors = accountViolations(a ?? {});
    if (errors.length) throw new Error(`accounts file ${file}: /accounts/${i}${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
    if (a.secretEnv !== undefined && !secrets[a.secretEnv]) throw new Error(`accounts file ${file}: environment variable ${a.secretEnv} (secret of ${a.accountId}) is not set`);
  });
  for (const a of accounts) await access.provision({ accountId: a.accountId, role: a.role, name: a.name }, a.secretEnv ? secrets[a.secretEnv] : undefined);
  return accounts.length;
}
