import { createHash } from 'crypto';
import type { FhirResource } from 'fhir-kit-client';
import { ReferralDelivery } from '@pdp/contracts';
import { FhirClients } from './client';
import { FhirSystems, INS_NIR_SYSTEM } from './systems';
import { Bundle, Communication, Patient, Task } from './types';

/** The worker's identity as an entitled recipient receives it (the hub's identity vault). */
export interface DeliveredIdentity {
  nir?: string;
  ins?: { value: string; oid: string };
  birthName?: string;
  firstNames?: string;
  birthDate?: string;
  sex?: 'M' | 'F';
}

/**
 * The worker as a FHIR Patient in the French profiles' shape (FR Core): the INS (or the NIR) as
 * an official identifier typed INS-NIR under its OID, the birth name as the official name, the
 * first names, birth date and sex; and the hub's pseudonym, which is how the hub's later
 * messages name her. Conditionally created on that pseudonym, so each delivery reuses her Patient.
 */
export function patientOf(worker: DeliveredIdentity, personPseudonym: string): Patient {
  const value = worker.ins?.value ?? worker.nir;
  const system = worker.ins ? `urn:oid:${worker.ins.oid}` : INS_NIR_SYSTEM;
  return {
    resourceType: 'Patient',
    identifier: [
      ...(value ? [{ use: 'official', type: { coding: [{ system: FhirSystems.frCoreIdentifierType, code: 'INS-NIR' }] }, system, value }] : []),
      { system: FhirSystems.personPseudonym, value: personPseudonym },
    ],
    ...(worker.birthName || worker.firstNames
      ? { name: [{ use: 'official', ...(worker.birthName ? { family: worker.birthName } : {}), ...(worker.firstNames ? { given: worker.firstNames.split(/\s+/) } : {}) }] }
      : {}),
    ...(worker.sex ? { gender: worker.sex === 'F' ? ('female' as const) : ('male' as const) } : {}),
    ...(worker.birthDate ? { birthDate: worker.birthDate } : {}),
  };
}

const PRIORITY: Record<string, string> = { normale: 'routine', prioritaire: 'urgent', urgente: 'asap' };

/**
 * A delivery as FHIR resources: a Task owned by the recipient (what to do: take the referral or
 * the report into account) and a Communication based on it carrying the delivery itself. The
 * Task is identified by the delivery id and written by a conditional update, so a correction
 * updates it (a new version, requested again) and a re-delivery of the same content leaves it as
 * it is; each content version has its Communication, created only if none carries its key.
 */
export function deliveryBundle(d: ReferralDelivery, worker?: DeliveredIdentity): Bundle {
  const id = `${FhirSystems.deliveryId}|${d.deliveryId}`;
  const taskUrl = `urn:uuid:${uuidFrom(d.deliveryId)}`;
  const patient = worker ? patientOf(worker, d.personPseudonym) : undefined;
  const patientUrl = `urn:uuid:${uuidFrom(`patient|${d.personPseudonym}`)}`;
  const person = patient ? { reference: patientUrl } : { identifier: { system: FhirSystems.personPseudonym, value: d.personPseudonym } };
  const owner = { identifier: { system: FhirSystems.partnerId, value: d.partnerId } };
  const sender = d.referral?.sender.partnerId ?? d.report?.sender.partnerId;
  const task: Task = {
    resourceType: 'Task',
    identifier: [{ system: FhirSystems.deliveryId, value: d.deliveryId }],
    status: 'requested',
    intent: 'order',
    priority: PRIORITY[d.referral?.urgency ?? 'normale'],
    code: { coding: [{ system: FhirSystems.coordinationItem, code: d.itemType }] },
    description: describe(d),
    for: person,
    authoredOn: d.deliveredAt,
    ...(sender ? { requester: { identifier: { system: FhirSystems.partnerId, value: sender } } } : {}),
    owner,
    ...(d.referral ? { reasonCode: { coding: [{ system: FhirSystems.signalementReason, code: d.referral.reason }] } } : {}),
  };
  const communication: Communication = {
    resourceType: 'Communication',
    identifier: [
      { system: FhirSystems.deliveryId, value: d.deliveryId },
      { system: FhirSystems.idempotencyKey, value: d.idempotencyKey },
    ],
    basedOn: [{ reference: taskUrl }],
    status: 'completed',
    subject: person,
    sent: d.deliveredAt,
    recipient: [owner],
    payload: [{ contentString: describe(d) }, { contentAttachment: { contentType: 'application/json', title: d.schemaVersion, data: Buffer.from(JSON.stringify(d)).toString('base64') } }],
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      ...(patient ? [{ fullUrl: patientUrl, resource: patient, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${FhirSystems.personPseudonym}|${d.personPseudonym}` } }] : []),
      { fullUrl: taskUrl, resource: task, request: { method: 'PUT', url: `Task?identifier=${id}` } },
      { resource: communication, request: { method: 'POST', url: 'Communication', ifNoneExist: `identifier=${FhirSystems.idempotencyKey}|${d.idempotencyKey}` } },
    ],
  };
}

function describe(d: ReferralDelivery): string {
  if (d.referral) return `Signalement PDP (${d.referral.reason}${d.referral.pyramide ? `, pyramide ${d.referral.pyramide}` : ''}) from ${d.referral.sender.partnerId}`;
  if (d.report) return `Accompaniment report (${d.report.accompaniment}) from ${d.report.sender.partnerId}`;
  return `Retraction of ${d.retraction?.deliveryId}`;
}

// A stable UUID-shaped id for the bundle-local reference (any unique urn:uuid will do).
function uuidFrom(s: string): string {
  const hex = createHash('sha256').update(s).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface FhirDeliveryResult {
  taskReference: string;
}

/** Delivers to and pulls back from partners' FHIR endpoints with fhir-kit-client. */
export class FhirDeliveryChannel {
  constructor(private readonly clients: FhirClients) {}

  /** `worker`: the identity, for a recipient entitled to it (the Task is then for her Patient). */
  async deliver(endpoint: string, d: ReferralDelivery, worker?: DeliveredIdentity): Promise<FhirDeliveryResult> {
    const client = await this.clients.get(endpoint);
    const response = (await client.transaction({ body: deliveryBundle(d, worker) as FhirResource })) as unknown as Bundle;
    const location = response.entry?.[worker ? 1 : 0]?.response?.location ?? '';
    return { taskReference: location.split('/_history')[0] };
  }

  /** Cancels the Task of a delivery (consent withdrawn): the partner's system sees it withdrawn. */
  async cancel(endpoint: string, deliveryId: string, reason: string): Promise<boolean> {
    const client = await this.clients.get(endpoint);
    const found = (await client.search({ resourceType: 'Task', searchParams: { identifier: `${FhirSystems.deliveryId}|${deliveryId}` } })) as unknown as Bundle<Task>;
    const tasks = (found.entry ?? []).map((e) => e.resource).filter((r): r is Task => r?.resourceType === 'Task');
    for (const task of tasks) {
      if (task.status === 'cancelled' || task.status === 'completed') continue;
      await client.update({ resourceType: 'Task', id: task.id!, body: { ...task, status: 'cancelled', statusReason: { text: reason } } as FhirResource });
    }
    return tasks.length > 0;
  }
}
