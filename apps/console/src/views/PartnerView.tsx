import { useState } from 'react';
import { api, Session } from '../api';
import { ErrorBox, Field, Json, Pager, Select, Table, usePagedList, when } from '../components';

interface InboxItem {
  itemId: string;
  schema: string;
  status: string;
  version: number;
  itemType: string;
  legalBasis: string;
  delivery: { personPseudonym?: string; caseId?: string; caseEvent?: { personPseudonym?: string } } & Record<string, unknown>;
  worker?: Record<string, unknown>;
  updatedAt: string;
}

/**
 * A partner's own view: its inbox (reading an item shows the worker it is about, when the partner
 * is entitled to, and the read is recorded) and the timeline of the cases delivered to it.
 */
export function PartnerView({ session }: { session: Session }) {
  const [status, setStatus] = useState('pending');
  const list = usePagedList<InboxItem>('/v1/inbox', { status });
  const [open, setOpen] = useState<InboxItem | null>(null);
  const [timeline, setTimeline] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const read = async (i: InboxItem) => {
    try {
      setOpen(await api<InboxItem>(`/v1/inbox/${encodeURIComponent(i.itemId)}`));
      setTimeline(null);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  // A referral names its case; a sick-leave alert, the person's pseudonym (her case's reference too).
  const caseRef = (i: InboxItem) => i.delivery.caseId ?? i.delivery.caseEvent?.personPseudonym ?? i.delivery.personPseudonym;
  return (
    <div data-testid="partner">
      <h2>
        Inbox of {session.partnerId} <span className="muted">({session.category})</span>
      </h2>
      <div className="filters">
        <Field label="status">
          <Select value={status} onChange={setStatus} options={['pending', 'new', 'updated', 'acknowledged', 'all']} testId="inbox-status" />
        </Field>
      </div>
      <ErrorBox error={error ?? list.error} />
      <Table
        testId="inbox-table"
        rows={list.page?.items ?? []}
        rowKey={(i) => i.itemId}
        onRowClick={(i) => void read(i)}
        empty="The inbox is empty."
        columns={[
          { title: 'updated', render: (i) => when(i.updatedAt) },
          { title: 'type', render: (i) => i.itemType },
          { title: 'version', render: (i) => i.version },
          { title: 'status', render: (i) => <span className={`badge ${i.status}`}>{i.status}</span> },
          { title: 'legal basis', render: (i) => i.legalBasis },
        ]}
      />
      <Pager list={list as never} />
      {open ? (
        <div className="detail" data-testid="inbox-item">
          <h3>
            Item {open.itemId} <button onClick={() => setOpen(null)}>close</button>
          </h3>
          {open.worker ? (
            <div className="identity" data-testid="worker">
              <strong>Worker</strong>
              <Json value={open.worker} />
              <p className="muted">This read of the worker's identity is recorded in the audit trail.</p>
            </div>
          ) : null}
          <div className="actions">
            <button
              data-testid="ack"
              onClick={async () => {
                try {
                  await api(`/v1/inbox/${encodeURIComponent(open.itemId)}/ack`, { method: 'POST', body: { version: open.version } });
                  setOpen(null);
                  await list.reload();
                } catch (e) {
                  setError(e);
                }
              }}
            >
              Acknowledge version {open.version}
            </button>
            {caseRef(open) ? (
              <button
                data-testid="open-case"
                onClick={async () => {
                  try {
                    setTimeline(await api(`/v1/cases/${encodeURIComponent(caseRef(open)!)}/timeline`));
                  } catch (e) {
                    setError(e);
                  }
                }}
              >
                Case timeline
              </button>
            ) : null}
          </div>
          {timeline ? (
            <div data-testid="timeline">
              <Json value={timeline} />
            </div>
          ) : null}
          <Json value={open.delivery} />
        </div>
      ) : null}
    </div>
  );
}
