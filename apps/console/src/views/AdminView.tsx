import { useEffect, useState } from 'react';
import { api } from '../api';
import { ErrorBox, Json, Table } from '../components';

interface Partner {
  partnerId: string;
  category: string;
  name: string;
  region?: string;
  departements?: string[];
}
interface Account {
  accountId: string;
  role: string;
  name?: string;
}

/** Admins: the partners and accounts the hub knows, and the audit chain's check. */
export function AdminView() {
  const [partners, setPartners] = useState<Partner[]>([]);
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [chain, setChain] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    Promise.all([api<Partner[]>('/v1/partners'), api<Account[]>('/v1/accounts')]).then(([p, a]) => {
      setPartners(p);
      setAccounts(a);
    }, setError);
  }, []);
  return (
    <div data-testid="admin">
      <ErrorBox error={error} />
      <h3>Audit trail</h3>
      <button
        data-testid="verify-chain"
        onClick={async () => {
          try {
            setChain(await api('/v1/audit/verify'));
          } catch (e) {
            setError(e);
          }
        }}
      >
        Verify the audit chain
      </button>
      {chain ? (
        <div data-testid="chain">
          <Json value={chain} />
        </div>
      ) : null}
      <h3>Partners ({partners.length})</h3>
      <Table
        testId="partners-table"
        rows={partners}
        rowKey={(p) => p.partnerId}
        columns={[
          { title: 'partner', render: (p) => p.partnerId },
          { title: 'category', render: (p) => p.category },
          { title: 'name', render: (p) => p.name },
          { title: 'territory', render: (p) => [p.region, ...(p.departements ?? [])].filter(Boolean).join(', ') },
        ]}
      />
      <h3>Accounts ({accounts.length})</h3>
      <Table
        testId="accounts-table"
        rows={accounts}
        rowKey={(a) => a.accountId}
        empty="No named account (the embedded demo signs operators in with its admin key)."
        columns={[
          { title: 'account', render: (a) => a.accountId },
          { title: 'role', render: (a) => a.role },
          { title: 'name', render: (a) => a.name ?? '' },
        ]}
      />
    </div>
  );
}
