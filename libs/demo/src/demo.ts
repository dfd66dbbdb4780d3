import { SickLeaveNotification, Topics } from '../../contracts/src';
import { addDays, withLuhnDigit, withNirKey } from '../../domain/src';
import { HubRuntime } from '../../runtime/src';
import { PartnerRegistration } from '../../pipeline/src';

export interface DemoResult {
  summary: string;
  partnerKeys: { partnerId: string; category: string; apiKey: string }[];
}

const PARTNERS: PartnerRegistration[] = [
  { partnerId: 'spsti-rhone', category: 'spsti', name: 'SPSTI Rhône (démo)', region: '84', departements: ['69'], apiKey: 'demo-key-spsti-rhone' },
  { partnerId: 'spsti-isere', category: 'spsti', name: 'SPSTI Isère (démo)', region: '84', departements: ['38'], apiKey: 'demo-key-spsti-isere' },
  { partnerId: 'carsat-ra-service-social', category: 'service-social-carsat', name: 'Carsat Rhône-Alpes service social (démo)', region: '84', departements: [], apiKey: 'demo-key-carsat-ra' },
  { partnerId: 'cap-emploi-69', category: 'cap-emploi', name: 'Cap emploi Rhône (démo)', region: '84', departements: ['69'], apiKey: 'demo-key-cap-emploi-69' },
];

/** A small, deterministic demo: two SPSTI, employers adhering to them, leaves of every kind. */
export async function loadDemoData(rt: HubRuntime, today = new Date()): Promise<DemoResult> {
  for (const p of PARTNERS) await rt.partners.register(p);
  const employers = Array.from({ length: 12 }, (_, i) => withLuhnDigit(`7${String(100000000 + i * 7919).slice(0, 8)}0001`.slice(0, 13)));
  await rt.directory.import(
    employers.map((siret, i) => ({ siret, spstiId: i % 2 === 0 ? 'spsti-rhone' : 'spsti-isere', validFrom: '2020-01-01' })),
    'demo',
  );
  const start = addDays(today.toISOString().slice(0, 10), -40);
  const leaves: SickLeaveNotification[] = [];
  for (let i = 0; i < 24; i++) {
    const nir = withNirKey(`${1 + (i % 2)}${String(70 + (i % 25)).padStart(2, '0')}${String(1 + (i % 12)).padStart(2, '0')}69${String(123 + i).padStart(3, '0')}${String(400 + i).padStart(3, '0')}`);
    // Every 8th employer is unknown to the directory, so the demo shows a parked case.
    const siret = i % 8 === 7 ? withLuhnDigit('4400000000001') : employers[i % employers.length];
    const days = [12, 35, 90, 20][i % 4];
    leaves.push({
      schemaVersion: 'sick-leave-notification/1',
      messageId: `demo-msg-${i}`,
      leaveId: `demo-aat-${i}`,
      kind: 'initial',
      worker: { nir, departement: '69' },
      employer: { siret },
      startDate: start,
      expectedEndDate: addDays(start, days - 1),
      nature: i % 5 === 0 ? 'accident-du-travail' : 'maladie',
      pdpRisk: i % 6 === 0,
      issuingCpam: { code: '691' },
      issuedAt: new Date(today.getTime() - 40 * 86_400_000).toISOString(),
    });
    if (days === 20) {
      leaves.push({ ...leaves[leaves.length - 1], messageId: `demo-msg-${i}-p1`, leaveId: `demo-aat-${i}-p1`, kind: 'prolongation', initialLeaveId: `demo-aat-${i}`, startDate: addDays(start, 20), expectedEndDate: addDays(start, 44) });
    }
  }
  await rt.bus.publish(Topics.sickLeaveInbound, leaves.map((l) => ({ key: l.initialLeaveId ?? l.leaveId, value: JSON.stringify(l) })));
  await rt.bus.publish(Topics.sickLeaveInbound, [{ key: 'demo-malformed', value: '{"schemaVersion":"sick-leave-notification/1","messageId":"demo-malformed-1"}' }]);
  return {
    summary: `${PARTNERS.length} partners, ${employers.length} employers, ${leaves.length} sick-leave notifications and 1 malformed message`,
    partnerKeys: PARTNERS.map((p) => ({ partnerId: p.partnerId, category: p.category, apiKey: p.apiKey! })),
  };
}
