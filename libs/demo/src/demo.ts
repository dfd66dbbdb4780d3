import { Signalement } from '../../contracts/src';
import { Pseudonymizer } from '../../domain/src';
import { HubRuntime } from '../../runtime/src';
import { GeneratedMessage, Population } from '../../generator/src';
import { orientationFromSignalement, recordOrientation } from '../../metrics/src';

export interface DemoResult {
  summary: string;
  partnerKeys: { partnerId: string; category: string; apiKey: string }[];
}

/** Small enough to load in seconds into the embedded hub, large enough for unmasked metrics. */
const DEMO = { seed: 7, persons: 2500, departements: ['69', '38'] };

/**
 * The demo of `npm start`, from the seeded population generator: partners of the Rhône and the
 * Isère with API keys, their employers' adhesions (a few employers left unknown, so parked cases
 * show), sick leaves with prolongations, referrals recorded as orientations, outcome reports of
 * several partners for the same cases, and a few malformed messages for the dead letters.
 */
export async function loadDemoData(rt: HubRuntime): Promise<DemoResult> {
  const population = new Population(DEMO);
  for (const p of population.partners) await rt.partners.register(p);
  await rt.directory.import(population.adhesions(), 'demo');
  const byTopic = new Map<string, GeneratedMessage[]>();
  const signalements: Signalement[] = [];
  for (const m of population.messages()) {
    if (m.type === 'signalement') {
      if (!m.malformed) signalements.push(JSON.parse(m.value) as Signalement);
      continue;
    }
    byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
  }
  for (const [topic, messages] of byTopic) await rt.bus.publish(topic, messages.map((m) => ({ key: m.key, value: m.value })));
  // Orientations straight into the metrics (the signalement flow of issue 3 records its own too).
  const pseudonyms = new Pseudonymizer(rt.config.pseudonymKey);
  const category = new Map(population.partners.map((p) => [p.partnerId, p.category]));
  await recordOrientation(
    rt.db,
    signalements.map((s) => orientationFromSignalement(s, pseudonyms.person(s.worker.nir!), category.get(s.sender.partnerId)!, { partnerId: s.recipient.partnerId, category: s.recipient.category! })),
  );
  const t = population.truth;
  return {
    summary:
      `${population.partners.length} partners, ${population.employers.length} employers (${t.employers.unknown} unknown), ` +
      `${t.messages['sick-leave']} sick-leave notifications, ${t.messages['employer-declaration']} employer declarations, ${t.messages.outcome} outcome reports ` +
      `(${t.maintiens.distinct} distinct maintiens en emploi, ${t.maintiens.raw} claimed), ${signalements.length} orientations, ` +
      `${Object.values(t.malformed).reduce((s, n) => s + n, 0)} malformed messages`,
    partnerKeys: population.partners.map((p) => ({ partnerId: p.partnerId, category: p.category, apiKey: p.apiKey })),
  };
}
