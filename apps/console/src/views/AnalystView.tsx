import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, download, query } from '../api';
import { ErrorBox, Field, Select, Table } from '../components';

/** A harmonised metric table as the hub publishes it: masked cells carry no values. */
interface MetricTable {
  metric: string;
  period: string;
  by: string[];
  threshold: number;
  rows: { period: string; dimensions: Record<string, string>; masked: 'no' | 'primary' | 'secondary'; values: Record<string, number> | null }[];
  total: { values: Record<string, number> | null; masked: string };
  notes?: string[];
}

const REGIONS: [string, string][] = [
  ['', 'France (all)'],
  ['11', 'Île-de-France'],
  ['24', 'Centre-Val de Loire'],
  ['27', 'Bourgogne-Franche-Comté'],
  ['28', 'Normandie'],
  ['32', 'Hauts-de-France'],
  ['44', 'Grand Est'],
  ['52', 'Pays de la Loire'],
  ['53', 'Bretagne'],
  ['75', 'Nouvelle-Aquitaine'],
  ['76', 'Occitanie'],
  ['84', 'Auvergne-Rhône-Alpes'],
  ['93', "Provence-Alpes-Côte d'Azur"],
  ['94', 'Corse'],
];
const regionName = (code: string) => REGIONS.find(([c]) => c === code)?.[1] ?? code;
const STATUS_COLOURS: Record<string, string> = { done: '#2ca02c', due: '#ff7f0e', overdue: '#d62728' };
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

interface Filters {
  period: string;
  from: string;
  to: string;
  region: string;
}

function useMetric(path: string, f: Filters, extra: Record<string, string> = {}) {
  const [table, setTable] = useState<MetricTable | null>(null);
  const [error, setError] = useState<unknown>(null);
  const q = query({ period: f.period, from: f.from, to: f.to, region: f.region, ...extra });
  useEffect(() => {
    let live = true;
    api<MetricTable>(`/v1/metrics/${path}${q}`).then(
      (t) => live && (setTable(t), setError(null)),
      (e) => live && (setError(e), setTable(null)),
    );
    return () => {
      live = false;
    };
  }, [path, q]);
  return { table, error, csv: () => download(`/v1/metrics/${path}${q}${q ? '&' : '?'}format=csv`, `${path}-${f.period}.csv`) };
}

/** Rows pivoted for a chart: one point per period, one series per dimension value (masked cells left empty). */
function pivot(t: MetricTable | null, dimension: string | null, value: string, label: (v: string) => string = (v) => v) {
  const points = new Map<string, Record<string, number | string>>();
  const series = new Set<string>();
  let masked = 0;
  for (const r of t?.rows ?? []) {
    const p = points.get(r.period) ?? { period: r.period };
    const name = dimension ? label(r.dimensions[dimension] ?? '?') : value;
    series.add(name);
    if (r.values) p[name] = r.values[value] ?? 0;
    else masked++;
    points.set(r.period, p);
  }
  return { data: [...points.values()].sort((a, b) => String(a.period).localeCompare(String(b.period))), series: [...series].sort(), masked };
}

function Card({ title, csv, error, children, testId, masked }: { title: string; csv: () => Promise<void>; error: unknown; children: React.ReactNode; testId: string; masked?: number }) {
  return (
    <section className="card" data-testid={testId}>
      <header>
        <h3>{title}</h3>
        <button onClick={() => void csv()} data-testid={`${testId}-csv`}>
          CSV
        </button>
      </header>
      <ErrorBox error={error} />
      {children}
      {masked ? <p className="muted">{masked} cell(s) masked: counts from 1 to 10 are not published.</p> : null}
    </section>
  );
}

/**
 * The analysts' view: the harmonised, deduplicated and masked figures as charts and tables,
 * with filters and CSV exports. Only aggregates: nothing here names or counts a person.
 */
export function AnalystView() {
  const [f, setF] = useState<Filters>({ period: 'quarter', from: '', to: '', region: '' });
  const set = (k: keyof Filters) => (v: string) => setF((x) => ({ ...x, [k]: v }));
  const maintiens = useMetric('maintiens', f);
  const byRegion = useMetric('maintiens', { ...f, period: 'year' }, { by: 'region' });
  const overlap = useMetric('overlap', { ...f, period: 'year' }, { level: 'category' });
  const timeliness = useMetric('timeliness', { ...f, period: 'year' }, { by: 'recipientCategory' });
  const followUps = useMetric('follow-ups', f, { by: 'status' });
  const m = pivot(maintiens.table, null, 'raw');
  const dedup = pivot(maintiens.table, null, 'deduplicated');
  const overTime = m.data.map((p, i) => ({ period: p.period, raw: p.raw, deduplicated: dedup.data[i]?.deduplicated }));
  const regions = pivot(byRegion.table, 'region', 'deduplicated', regionName);
  const fu = pivot(followUps.table, 'status', 'followUps');
  const total = maintiens.table?.total.values;
  return (
    <div data-testid="analyst">
      <div className="filters">
        <Field label="period">
          <Select value={f.period} onChange={set('period')} options={['month', 'quarter', 'year']} testId="analyst-period" />
        </Field>
        <Field label="région">
          <Select value={f.region} onChange={set('region')} options={REGIONS} testId="analyst-region" />
        </Field>
        <Field label="from">
          <input type="date" value={f.from} onChange={(e) => set('from')(e.target.value)} />
        </Field>
        <Field label="to">
          <input type="date" value={f.to} onChange={(e) => set('to')(e.target.value)} />
        </Field>
      </div>
      {total ? (
        <p className="kpis" data-testid="maintiens-total">
          <span>
            <strong>{total.deduplicated?.toLocaleString('fr-FR')}</strong> maintiens en emploi (deduplicated)
          </span>
          <span>
            <strong>{total.raw?.toLocaleString('fr-FR')}</strong> claimed by the partners
          </span>
          <span>
            <strong>{total.duplicates?.toLocaleString('fr-FR')}</strong> counted twice without the hub
          </span>
        </p>
      ) : null}
      <div className="grid">
        <Card title="Maintiens en emploi: raw against deduplicated" csv={maintiens.csv} error={maintiens.error} testId="chart-maintiens" masked={m.masked}>
          <ResponsiveContainer width="100%" height={260}>
            <LineChart data={overTime}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="period" />
              <YAxis />
              <Tooltip />
              <Legend />
              <Line type="monotone" dataKey="raw" stroke="#d62728" isAnimationActive={false} />
              <Line type="monotone" dataKey="deduplicated" stroke="#1f77b4" isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </Card>
        <Card title="Maintiens en emploi (deduplicated) by région and year" csv={byRegion.csv} error={byRegion.error} testId="chart-regions" masked={regions.masked}>
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={regions.data}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="period" />
              <YAxis />
              <Tooltip />
              <Legend />
              {regions.series.map((s, i) => (
                <Bar key={s} dataKey={s} fill={COLOURS[i % COLOURS.length]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </Card>
        <Card title="Follow-ups due, overdue and done" csv={followUps.csv} error={followUps.error} testId="chart-follow-ups" masked={fu.masked}>
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={fu.data}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="period" />
              <YAxis />
              <Tooltip />
              <Legend />
              {fu.series.map((s, i) => (
                <Bar key={s} dataKey={s} stackId="f" fill={STATUS_COLOURS[s] ?? COLOURS[i % COLOURS.length]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </Card>
        <Card title="Overlap between partners (cases several categories accompanied)" csv={overlap.csv} error={overlap.error} testId="table-overlap">
          <Table
            rows={(overlap.table?.rows ?? []).filter((r) => r.masked === 'no')}
            rowKey={(r) => `${r.period}:${JSON.stringify(r.dimensions)}`}
            empty="Every cell is masked for this selection."
            columns={[
              { title: 'year', render: (r) => r.period },
              { title: 'partners together', render: (r) => Object.values(r.dimensions).join(', ').replace(/\+/g, ' + ') },
              { title: 'cases', render: (r) => r.values?.cases ?? '' },
            ]}
          />
        </Card>
        <Card title="Timeliness of referrals per recipient (days)" csv={timeliness.csv} error={timeliness.error} testId="table-timeliness">
          <Table
            rows={(timeliness.table?.rows ?? []).filter((r) => r.masked === 'no')}
            rowKey={(r) => `${r.period}:${JSON.stringify(r.dimensions)}`}
            empty="Every cell is masked for this selection."
            columns={[
              { title: 'year', render: (r) => r.period },
              { title: 'recipient', render: (r) => r.dimensions.recipientCategory },
              { title: 'referrals', render: (r) => r.values?.referrals },
              { title: 'median', render: (r) => r.values?.medianDays },
              { title: 'p25–p75', render: (r) => `${r.values?.p25Days}–${r.values?.p75Days}` },
            ]}
          />
        </Card>
      </div>
      {maintiens.table?.notes?.length ? <p className="muted">{maintiens.table.notes.join(' · ')}</p> : null}
    </div>
  );
}
