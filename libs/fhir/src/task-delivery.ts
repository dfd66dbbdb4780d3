import { createHash } from 'crypto';
import type { FhirResource } from 'fhir-kit-client';
import { InboxDelivery, ReferralDelivery } from '@pdp/contracts';
import { FhirClients } from './client';
import { FhirSystems, FrCoreProfiles, INS_NIR_SYSTEM } from './systems';
import { Bundle, Communication, Organization, Patient, Task } from './types';

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
    meta: { profile: [FrCoreProfiles.patient] },
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

/** The recipient as the hub knows it: its id, and its name and national identifiers when registered. */
export interface RecipientOrganization {
  partnerId: string;
  name?: string;
  siret?: string | null;
  finess?: string | null;
}

/**
 * The recipient as an FR Core Organization: its SIRET (https://sirene.fr, typed SIRET) and FINESS
 * (typed FINEG) when known, and the hub's partner id. Contained in the Task: the partner's server
 * may hold its own Organizations under these identifiers (its directory entry), and a conditional
 * create matching two of them would fail every push.
 */
export function organizationOf(o: RecipientOrganization): Organization {
  const typed = (code: string) => ({ coding: [{ system: FhirSystems.frCoreIdentifierType, code }] });
  return {
    resourceType: 'Organization',
    id: 'owner',
    meta: { profile: [FrCoreProfiles.organization] },
    identifier: [
      ...(o.siret ? [{ use: 'official', type: typed('SIRET'), system: FhirSystems.sirene, value: o.siret }] : []),
      ...(o.finess ? [{ use: 'official', type: typed('FINEG'), system: FhirSystems.finess, value: o.finess }] : []),
      { system: FhirSystems.partnerId, value: o.partnerId },
    ],
    active: true,
    ...(o.name ? { name: o.name } : {}),
  };
}

/** What a Task and its Communication say of one delivery, whatever its kind. */
interface TaskContent {
  deliveryId: string;
  idempotencyKey: string;
  personPseudonym: string;
  partnerId: string;
  itemType: string;
  description: string;
  authoredOn: string;
  priority: string;
  requester?: string;
  reason?: { system: string; code: string };
  owner: RecipientOrganization;
  /** The delivery itself, as the partner's Kafka topic carries it. */
  payload: InboxDelivery | ReferralDelivery;
}

/**
 * A delivery as FHIR resources: a Task owned by the recipient (what to do: take the alert, the
 * referral or the report into account) and a Communication based on it carrying the delivery
 * itself. The Task is identified by the delivery id and written by a conditional update, so a
 * correction updates it and a re-delivery of the same content leaves it as it is; each content
 * version has its Communication, created only if none carries its key.
 *
 * `current`: the Task as the partner's server holds it. An update keeps what its owner wrote (its
 * notes, outputs, business status) and the status it set while working on it, and is made only
 * on that version (If-Match): a change of the partner's in between fails the transaction, which
 * the push outbox retries. A Task the owner closed (completed, rejected) or the hub cancelled is
 * requested again: the new content needs its attention.
 */
function taskBundle(c: TaskContent, worker?: DeliveredIdentity, current?: Task): Bundle {
  const id = `${FhirSystems.deliveryId}|${c.deliveryId}`;
  const taskUrl = `urn:uuid:${uuidFrom(c.deliveryId)}`;
  const patient = worker ? patientOf(worker, c.personPseudonym) : undefined;
  const patientUrl = `urn:uuid:${uuidFrom(`patient|${c.personPseudonym}`)}`;
  const person = patient ? { reference: patientUrl } : { identifier: { system: FhirSystems.personPseudonym, value: c.personPseudonym } };
  const owner = { reference: '#owner', identifier: { system: FhirSystems.partnerId, value: c.partnerId } };
  const task: Task = {
    ...(current ? ownerFields(current) : {}),
    resourceType: 'Task',
    contained: [organizationOf(c.owner)],
    identifier: [{ system: FhirSystems.deliveryId, value: c.deliveryId }],
    status: current && OWNER_WORKING.has(current.status) ? current.status : 'requested',
    intent: 'order',
    priority: c.priority,
    code: { coding: [{ system: FhirSystems.coordinationItem, code: c.itemType }] },
    description: c.description,
    for: person,
    authoredOn: c.authoredOn,
    ...(c.requester ? { requester: { identifier: { system: FhirSystems.partnerId, value: c.requester } } } : {}),
    owner,
    ...(c.reason ? { reasonCode: { coding: [c.reason] } } : {}),
  };
  const communication: Communication = {
    resourceType: 'Communication',
    identifier: [
      { system: FhirSystems.deliveryId, value: c.deliveryId },
      { system: FhirSystems.idempotencyKey, value: c.idempotencyKey },
    ],
    basedOn: [{ reference: taskUrl }],
    status: 'completed',
    subject: person,
    sent: c.authoredOn,
    recipient: [owner],
    payload: [
      { contentString: c.description },
      { contentAttachment: { contentType: 'application/json', title: c.payload.schemaVersion, data: Buffer.from(JSON.stringify(c.payload)).toString('base64') } },
    ],
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      ...(patient ? [{ fullUrl: patientUrl, resource: patient, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${FhirSystems.personPseudonym}|${c.personPseudonym}` } }] : []),
      {
        fullUrl: taskUrl,
        resource: current ? { ...task, id: current.id } : task,
        request: current?.id
          ? { method: 'PUT', url: `Task/${current.id}`, ...(current.meta?.versionId ? { ifMatch: `W/"${current.meta.versionId}"` } : {}) }
          : { method: 'PUT', url: `Task?identifier=${id}` },
      },
      { resource: communication, request: { method: 'POST', url: 'Communication', ifNoneExist: `identifier=${FhirSystems.idempotencyKey}|${c.idempotencyKey}` } },
    ],
  };
}

/** Statuses the Task's owner sets while it works on it (FHIR R4 Task.status), kept by an update. */
const OWNER_WORKING = new Set(['received', 'accepted', 'ready', 'in-progress', 'on-hold']);

/** What the owner may have written on its Task, beside the fields the hub writes. */
function ownerFields(current: Task): Partial<Task> {
  const { meta: _meta, text: _text, statusReason, status, ...rest } = current;
  return { ...rest, ...(OWNER_WORKING.has(status) && statusReason ? { statusReason } : {}) };
}

/** A signalement, an accompaniment report or a retraction notice as a Task and its Communication. */
export function deliveryBundle(d: ReferralDelivery, worker?: DeliveredIdentity, owner: RecipientOrganization = { partnerId: d.partnerId }, current?: Task): Bundle {
  return taskBundle(
    {
      deliveryId: d.deliveryId,
      idempotencyKey: d.idempotencyKey,
      personPseudonym: d.personPseudonym,
      partnerId: d.partnerId,
      itemType: d.itemType,
      description: describe(d),
      authoredOn: d.deliveredAt,
      priority: PRIORITY[d.referral?.urgency ?? 'normale'],
      requester: d.referral?.sender.partnerId ?? d.report?.sender.partnerId,
      ...(d.referral ? { reason: { system: FhirSystems.signalementReason, code: d.referral.reason } } : {}),
      owner,
      payload: d,
    },
    worker,
    current,
  );
}

/**
 * A sick-leave alert as a Task for the worker's SPSTI (to invite her to a pré-reprise visit) and
 * its Communication; a prolongation updates the same Task.
 */
export function sickLeaveBundle(d: InboxDelivery, worker?: DeliveredIdentity, owner: RecipientOrganization = { partnerId: d.partnerId }, current?: Task): Bundle {
  const e = d.caseEvent;
  return taskBundle(
    {
      deliveryId: d.deliveryId,
      idempotencyKey: d.idempotencyKey,
      personPseudonym: e.personPseudonym,
      partnerId: d.partnerId,
      itemType: d.itemType,
      description: `Arrêt de travail du ${e.startDate} au ${e.expectedEndDate} (${e.cumulatedDays} jours, ${e.prolongationCount} prolongation(s)), employeur SIRET ${e.employerSiret}${e.pdpRisk ? ', risque de désinsertion signalé' : ''}`,
      authoredOn: d.deliveredAt,
      priority: e.pdpRisk ? 'urgent' : 'routine',
      owner,
      payload: d,
    },
    worker,
    current,
  );
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
  async deliver(endpoint: string, d: ReferralDelivery, worker?: DeliveredIdentity, owner?: RecipientOrganization): Promise<FhirDeliveryResult> {
    const current = await this.currentTask(endpoint, d.deliveryId);
    return this.transact(endpoint, deliveryBundle(d, worker, owner, current), worker !== undefined);
  }

  /** The Task of a delivery on the partner's server, if it has one. */
  private async currentTask(endpoint: string, deliveryId: string): Promise<Task | undefined> {
    return (await this.tasksOf(endpoint, deliveryId))[0];
  }

  private async tasksOf(endpoint: string, deliveryId: string): Promise<Task[]> {
    const client = await this.clients.get(endpoint);
    const found = (await client.search({ resourceType: 'Task', searchParams: { identifier: `${FhirSystems.deliveryId}|${deliveryId}` } })) as unknown as Bundle<Task>;
    return (found.entry ?? []).map((e) => e.resource).filter((r): r is Task => r?.resourceType === 'Task');
  }

  private async transact(endpoint: string, bundle: Bundle, withPatient: boolean): Promise<FhirDeliveryResult> {
    const client = await this.clients.get(endpoint);
    const response = (await client.transaction({ body: bundle as FhirResource })) as unknown as Bundle;
    const location = response.entry?.[withPatient ? 1 : 0]?.response?.location ?? '';
    return { taskReference: location.split('/_history')[0] };
  }

  /** A sick-leave alert for the worker's SPSTI (`worker`: her identity, which the SPSTI is entitled to). */
  async deliverSickLeave(endpoint: string, d: InboxDelivery, worker?: DeliveredIdentity, owner?: RecipientOrganization): Promise<FhirDeliveryResult> {
    const current = await this.currentTask(endpoint, d.deliveryId);
    return this.transact(endpoint, sickLeaveBundle(d, worker, owner, current), worker !== undefined);
  }

  /** Cancels the Task of a delivery (consent withdrawn): the partner's system sees it withdrawn. */
  async cancel(endpoint: string, deliveryId: string, reason: string): Promise<boolean> {
    const client = await this.clients.get(endpoint);
    const tasks = await this.tasksOf(endpoint, deliveryId);
    for (const task of tasks) {
      if (task.status === 'cancelled' || task.status === 'completed') continue;
      await client.update({ resourceType: 'Task', id: task.id!, body: { ...task, status: 'cancelled', statusReason: { text: reason } } as FhirResource });
    }
    return tasks.length > 0;
  }
}
