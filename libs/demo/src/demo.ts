import { MessageBus } from '@pdp/bus';
import { AdhesionDirectory, PartnerRegistry } from '@pdp/partners';
import { GeneratedMessage, Population } from '@pdp/generator';

export interface DemoResult {
  summary: string;
  partnerKeys: { partnerId: string; category: string; apiKey: string }[];
}

/**
 * Six régions (eight départements), enough people for the harmonised figures to clear the
 * masking threshold (counts under 11 hidden) by quarter and région, nationally and per région:
 * the analysts' view shows numbers, not only masks. Loaded in the background after start-up.
 */
const DEMO = { seed: 7, persons: 20_000, departements: ['69', '38', '75', '92', '13', '59', '33', '31'] };

/**
 * The demo of `npm start`, from the seeded population generator: partners of the Rhône and the
 * Isère with API keys, their employers' adhesions (a few employers left unknown, so parked cases
 * show), sick leaves with prolongations, signalements between partners, outcome reports of
 * several partners for the same cases, and a few malformed messages for the dead letters.
 */
/** Where the demo goes in: the app's partner registry, adhesion directory and bus. */
export interface DemoTarget {
  partners: PartnerRegistry;
  directory: AdhesionDirectory;
  bus: MessageBus;
}

export async function loadDemoData(rt: DemoTarget): Promise<DemoResult> {
  const population = new Population(DEMO);
  for (const p of population.partners) await rt.partners.register(p);
  await rt.directory.import(population.adhesions(), 'demo');
  // Every flow gets its messages on its own inbound topic: signalements go through consent and
  // routing, which records the orientations the metrics count.
  const byTopic = new Map<string, GeneratedMessage[]>();
  for (const m of population.messages()) {
    const list = byTopic.get(m.topic) ?? [];
    list.push(m);
    byTopic.set(m.topic, list);
  }
  for (const [topic, messages] of byTopic)
    await rt.bus.publish(
      topic,
      messages.map((m) => ({ key: m.key, value: m.value })),
    );
  const t = population.truth;
  return {
    summary:
      `${population.partners.length} partners, ${population.employers.length} employers (${t.employers.unknown} unknown), ` +
      `${t.messages['sick-leave']} sick-leave notifications, ${t.messages['employer-declaration']} employer declarations, ${t.messages.outcome} outcome reports ` +
      `(${t.maintiens.distinct} distinct maintiens en emploi, ${t.maintiens.raw} claimed), ${t.messages.signalement} signalements, ` +
      `${Object.values(t.malformed).reduce((s, n) => s + n, 0)} malformed messages`,
    partnerKeys: population.partners.map((p) => ({ partnerId: p.partnerId, category: p.category, apiKey: p.apiKey })),
  };
}
