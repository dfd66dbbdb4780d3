import { useEffect, useRef, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, text } from '../api';
import { ErrorBox, Field, Json, Pager, Select, Table, usePagedList, when } from '../components';
import { parseMetrics, Sample, sumBy } from '../prometheus';

interface DeadLetter {
  deadLetterId: string;
  stage: string;
  sourceTopic: string;
  messageId: string | null;
  reason: string;
  errors: { path: string; message: string }[];
  rejectedAt: string;
  replayedAt: string | null;
  replayedBy: string | null;
}
interface Parked {
  parkedId: string;
  reasonCode: string;
  reason: string;
  employerSiret: string;
  parkedAt: string;
}
interface Withheld {
  category: string;
  partnerId: string | null;
  reasonCode: string;
  reason: string;
  subjectType: string;
  subjectId: string;
  caseId: string;
  updatedAt: string;
}
interface MessageEntry {
  messageId: string;
  kind: string;
  receivedAt: string;
  status: string;
  reason?: string;
}
interface ReplayAnswer {
  replayed: number;
  alreadyReplayed: number;
  notFound: number;
}

const STAGES = ['', 'normalizer', 'router', 'coordinator', 'metrics', 'gateway'];
const TOPICS = [
  '',
  'pdp.sick-leave.inbound.v1',
  'pdp.employer-leave.inbound.v1',
  'pdp.case.normalized.v1',
  'pdp.signalement.inbound.v1',
  'pdp.accompaniment-report.inbound.v1',
  'pdp.outcome.inbound.v1',
];
/** An inbox whose oldest unacknowledged item waits longer than this is "not being read". */
const UNREAD_AFTER_SECONDS = 2 * 86_400;

/** Live throughput, lag and inbox backlog, read from /metrics every few seconds (rates from the counters' deltas). */
function Overview() {
  const [samples, setSamples] = useState<Sample[] | null>(null);
  const [history, setHistory] = useState<Record<string, number | string>[]>([]);
  const [error, setError] = useState<unknown>(null);
  const previous = useRef<{ at: number; published: Map<string, number>; consumed: Map<string, number> } | null>(null);
  useEffect(() => {
    let stop = false;
    const tick = async () => {
      try {
        const s = parseMetrics(await text('/metrics'));
        if (stop) return;
        const now = Date.now();
        const published = sumBy(s, 'pdp_messages_published_total', ['topic']);
        const consumed = sumBy(s, 'pdp_messages_consumed_total', ['group']);
        const before = previous.current;
        if (before) {
          const seconds = (now - before.at) / 1000;
          const point: Record<string, number | string> = { t: new Date(now).toLocaleTimeString('fr-FR') };
          for (const [group, n] of consumed) point[group] = Math.max(0, Math.round(((n - (before.consumed.get(group) ?? 0)) / seconds) * 10) / 10);
          setHistory((h) => [...h.slice(-59), point]);
        }
        previous.current = { at: now, published, consumed };
        setSamples(s);
        setError(null);
      } catch (e) {
        setError(e);
      }
    };
    void tick();
    const timer = setInterval(tick, 3000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, []);
  if (error) return <ErrorBox error={error} />;
  if (!samples) return <p>loading…</p>;
  // The partners' inbox topics are one line (their backlog is per partner below).
  const byTopic = sumBy(samples, 'pdp_messages_published_total', ['topic']);
  const inboxTopics = [...byTopic].filter(([t]) => /^pdp\.inbox\..+\.v\d+$/.test(t));
  const published: [string, number][] = [
    ...[...byTopic].filter(([t]) => !/^pdp\.inbox\..+\.v\d+$/.test(t)),
    ...(inboxTopics.length ? [[`pdp.inbox.<partner>.v1 (${inboxTopics.length} topics)`, inboxTopics.reduce((s, [, n]) => s + n, 0)] as [string, number]] : []),
  ].sort();
  const consumed = [...sumBy(samples, 'pdp_messages_consumed_total', ['group', 'topic'])].sort();
  const lag = [...sumBy(samples, 'pdp_consumer_lag', ['group', 'topic'])].sort();
  const dead = [...sumBy(samples, 'pdp_dead_letters_total', ['stage', 'topic'])].sort();
  const backlog = sumBy(samples, 'pdp_inbox_unacknowledged_items', ['partner']);
  const oldest = sumBy(samples, 'pdp_inbox_oldest_unacknowledged_seconds', ['partner']);
  const inboxes = [...backlog].map(([partner, n]) => ({ partner, n, oldest: oldest.get(partner) ?? 0 })).sort((a, b) => b.oldest - a.oldest);
  const groups = [...new Set(history.flatMap((p) => Object.keys(p).filter((k) => k !== 't')))];
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
  return (
    <div data-testid="ops-overview">
      <h3>Throughput per stage (messages/s, live)</h3>
      <div className="chart">
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={history}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="t" />
            <YAxis />
            <Tooltip />
            <Legend />
            {groups.map((g, i) => (
              <Line key={g} type="monotone" dataKey={g} stroke={colours[i % colours.length]} dot={false} isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <div className="grid">
        <section>
          <h3>Published per topic</h3>
          <Table
            testId="published"
            rows={published}
            rowKey={([k]) => k}
            columns={[
              { title: 'topic', render: ([k]) => k },
              { title: 'messages', render: ([, n]) => n.toLocaleString('fr-FR') },
            ]}
          />
        </section>
        <section>
          <h3>Consumed per stage and topic</h3>
          <Table
            testId="consumed"
            rows={consumed}
            rowKey={([k]) => k}
            columns={[
              { title: 'group · topic', render: ([k]) => k },
              { title: 'messages', render: ([, n]) => n.toLocaleString('fr-FR') },
            ]}
          />
        </section>
        <section>
          <h3>Consumer lag</h3>
          <Table
            testId="lag"
            rows={lag}
            rowKey={([k]) => k}
            empty="No lag reported (the embedded bus has none)."
            columns={[
              { title: 'group · topic', render: ([k]) => k },
              { title: 'lag', render: ([, n]) => n },
            ]}
          />
        </section>
        <section>
          <h3>Dead-lettered, by stage and topic</h3>
          <Table
            testId="dead-by-stage"
            rows={dead}
            rowKey={([k]) => k}
            columns={[
              { title: 'stage · topic', render: ([k]) => k },
              { title: 'messages', render: ([, n]) => n },
            ]}
          />
        </section>
      </div>
      <h3>Partner inboxes</h3>
      <Table
        testId="inboxes"
        rows={inboxes}
        rowKey={(r) => r.partner}
        columns={[
          { title: 'partner', render: (r) => r.partner },
          { title: 'unacknowledged', render: (r) => r.n },
          { title: 'oldest waiting', render: (r) => (r.oldest ? `${Math.round(r.oldest / 3600)} h` : '—') },
          { title: '', render: (r) => (r.oldest > UNREAD_AFTER_SECONDS ? <span className="badge warn">not being read</span> : null) },
        ]}
      />
    </div>
  );
}

function DeadLetters() {
  const [stage, setStage] = useState('');
  const [topic, setTopic] = useState('');
  const [reason, setReason] = useState('');
  const [replayed, setReplayed] = useState('false');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const filters = { stage, topic, reason, replayed, from, to };
  const list = usePagedList<DeadLetter>('/v1/ops/dead-letters', filters);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const toggle = (id: string) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
  const replay = async (body: unknown) => {
    try {
      const r = await api<ReplayAnswer>('/v1/ops/dead-letters/replay', { method: 'POST', body });
      setOutcome(`${r.replayed} replayed, ${r.alreadyReplayed} already replayed, ${r.notFound} not found`);
      setSelected(new Set());
      setError(null);
      await list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div data-testid="dead-letters">
      <div className="filters">
        <Field label="stage">
          <Select value={stage} onChange={setStage} options={STAGES} testId="filter-stage" />
        </Field>
        <Field label="topic">
          <Select value={topic} onChange={setTopic} options={TOPICS} />
        </Field>
        <Field label="reason contains">
          <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="filter-reason" />
        </Field>
        <Field label="replayed">
          <Select
            value={replayed}
            onChange={setReplayed}
            options={[
              ['', 'any'],
              ['false', 'not yet'],
              ['true', 'replayed'],
            ]}
          />
        </Field>
        <Field label="from">
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label="to">
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </Field>
      </div>
      <div className="actions">
        <button disabled={selected.size === 0} onClick={() => replay({ deadLetterIds: [...selected] })} data-testid="replay-selected">
          Replay selected ({selected.size})
        </button>
        <button
          onClick={() => {
            if (window.confirm('Replay every dead letter this filter selects (up to 1,000)?'))
              void replay({ filter: { stage: stage || undefined, topic: topic || undefined, reason: reason || undefined, from: from || undefined, to: to || undefined } });
          }}
        >
          Replay all matching
        </button>
        {outcome ? (
          <span className="ok" data-testid="replay-outcome">
            {outcome}
          </span>
        ) : null}
      </div>
      <ErrorBox error={error ?? list.error} />
      <Table
        testId="dead-letter-table"
        rows={list.page?.items ?? []}
        rowKey={(d) => d.deadLetterId}
        onRowClick={async (d) => setOpen(await api(`/v1/ops/dead-letters/${d.deadLetterId}`))}
        columns={[
          {
            title: '',
            render: (d) => (
              <input type="checkbox" checked={selected.has(d.deadLetterId)} onClick={(e) => e.stopPropagation()} onChange={() => toggle(d.deadLetterId)} aria-label={`select ${d.deadLetterId}`} />
            ),
          },
          { title: 'rejected', render: (d) => when(d.rejectedAt) },
          { title: 'stage', render: (d) => d.stage },
          { title: 'topic', render: (d) => d.sourceTopic },
          { title: 'reason', render: (d) => d.reason },
          { title: 'message', render: (d) => d.messageId ?? '—' },
          { title: 'replayed', render: (d) => (d.replayedAt ? `${when(d.replayedAt)} by ${d.replayedBy}` : '—') },
        ]}
      />
      <Pager list={list as never} />
      {open ? (
        <div className="detail" data-testid="dead-letter-detail">
          <h3>
            Dead letter <button onClick={() => setOpen(null)}>close</button>
          </h3>
          <p className="muted">Identity fields are masked: operators never see a worker's NIR, INS or name.</p>
          <Json value={open} />
        </div>
      ) : null}
    </div>
  );
}

function ParkedAndWithheld() {
  const [parkedReason, setParkedReason] = useState('');
  const parked = usePagedList<Parked>('/v1/ops/parked', { reason: parkedReason });
  const [partner, setPartner] = useState('');
  const withheld = usePagedList<Withheld>('/v1/ops/withheld', { partner });
  return (
    <div>
      <h3>Parked sick leaves</h3>
      <div className="filters">
        <Field label="reason">
          <Select value={parkedReason} onChange={setParkedReason} options={['', 'employer-unknown', 'consent-refused', 'consent-withdrawn']} />
        </Field>
      </div>
      <ErrorBox error={parked.error} />
      <Table
        testId="parked-table"
        rows={parked.page?.items ?? []}
        rowKey={(p) => p.parkedId}
        columns={[
          { title: 'parked', render: (p) => when(p.parkedAt) },
          { title: 'reason', render: (p) => p.reason },
          { title: 'employer (SIRET)', render: (p) => p.employerSiret },
        ]}
      />
      <Pager list={parked as never} />
      <h3>Withheld items</h3>
      <div className="filters">
        <Field label="partner">
          <input value={partner} onChange={(e) => setPartner(e.target.value)} placeholder="partner id" />
        </Field>
      </div>
      <ErrorBox error={withheld.error} />
      <Table
        testId="withheld-table"
        rows={withheld.page?.items ?? []}
        rowKey={(w) => `${w.subjectId}:${w.category}`}
        columns={[
          { title: 'since', render: (w) => when(w.updatedAt) },
          { title: 'recipient', render: (w) => w.partnerId ?? w.category },
          { title: 'subject', render: (w) => w.subjectType },
          { title: 'reason', render: (w) => w.reason },
          { title: 'case', render: (w) => <code>{w.caseId.slice(0, 16)}…</code> },
        ]}
      />
      <Pager list={withheld as never} />
    </div>
  );
}

function Messages() {
  const [kind, setKind] = useState('');
  const list = usePagedList<MessageEntry>('/v1/ops/messages', { kind });
  const [id, setId] = useState('');
  const [trace, setTrace] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const find = async (messageId: string) => {
    try {
      setTrace(await api(`/v1/messages/${encodeURIComponent(messageId)}`));
      setError(null);
    } catch (e) {
      setError(e);
      setTrace(null);
    }
  };
  return (
    <div>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void find(id);
        }}
      >
        <Field label="trace a message id">
          <input value={id} onChange={(e) => setId(e.target.value)} data-testid="trace-id" />
        </Field>
        <button type="submit">Trace</button>
      </form>
      <ErrorBox error={error} />
      {trace ? (
        <div data-testid="trace">
          <Json value={trace} />
        </div>
      ) : null}
      <h3>Recent messages</h3>
      <div className="filters">
        <Field label="kind">
          <Select value={kind} onChange={setKind} options={['', 'sick-leave', 'signalement', 'accompaniment-report', 'outcome', 'dead-lettered']} testId="filter-kind" />
        </Field>
      </div>
      <ErrorBox error={list.error} />
      <Table
        testId="messages-table"
        rows={list.page?.items ?? []}
        rowKey={(m) => `${m.kind}:${m.messageId}`}
        onRowClick={(m) => void find(m.messageId)}
        columns={[
          { title: 'received', render: (m) => when(m.receivedAt) },
          { title: 'kind', render: (m) => m.kind },
          { title: 'message', render: (m) => m.messageId },
          { title: 'status', render: (m) => <span className={`badge ${m.status}`}>{m.status}</span> },
          { title: 'why', render: (m) => m.reason ?? '' },
        ]}
      />
      <Pager list={list as never} />
    </div>
  );
}

function ChefDeFile() {
  const [caseId, setCaseId] = useState('');
  const [partnerId, setPartnerId] = useState('');
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      className="filters"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          setResult(await api(`/v1/cases/${encodeURIComponent(caseId)}/chef-de-file/admin`, { method: 'POST', body: { partnerId, reason } }));
          setError(null);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <Field label="case id">
        <input value={caseId} onChange={(e) => setCaseId(e.target.value)} />
      </Field>
      <Field label="new chef de file (partner id)">
        <input value={partnerId} onChange={(e) => setPartnerId(e.target.value)} />
      </Field>
      <Field label="reason (audited)">
        <input value={reason} onChange={(e) => setReason(e.target.value)} />
      </Field>
      <button type="submit">Re-assign</button>
      <ErrorBox error={error} />
      {result ? <Json value={result} /> : null}
    </form>
  );
}

const TABS = { overview: 'Overview', dead: 'Dead letters', parked: 'Parked & withheld', messages: 'Messages', lead: 'Chef de file' } as const;

/** The operators' view: the flows live, and what did not end well, with the means to fix it. */
export function OpsView() {
  const [tab, setTab] = useState<keyof typeof TABS>('overview');
  return (
    <div>
      <nav className="subtabs">
        {Object.entries(TABS).map(([k, l]) => (
          <button key={k} className={tab === k ? 'active' : ''} onClick={() => setTab(k as keyof typeof TABS)} data-testid={`ops-tab-${k}`}>
            {l}
          </button>
        ))}
      </nav>
      {tab === 'overview' ? <Overview /> : tab === 'dead' ? <DeadLetters /> : tab === 'parked' ? <ParkedAndWithheld /> : tab === 'messages' ? <Messages /> : <ChefDeFile />}
    </div>
  );
}
