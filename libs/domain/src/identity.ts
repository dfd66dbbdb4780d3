import { DomainViolation } from './leave-checks';
import { isValidNir } from './nir';
import { isValidSiret } from './siret';

/** How every intake names the worker: a NIR, an INS (the NIR-based matricule), or both. */
export interface WorkerIdentifiers {
  nir?: string;
  ins?: { value: string };
}

/**
 * The one check of who a message is about, shared by every intake (sick leave, declaration,
 * signalement, outcome, consent): the NIR and the INS matricule must pass their key, name the
 * same person when both are given, and the employer's SIRET must pass Luhn. JSON Schema has
 * already checked their shapes.
 */
export function checkIdentity(worker: WorkerIdentifiers, employer?: { siret: string }): DomainViolation[] {
  const v: DomainViolation[] = [];
  if (worker.nir && !isValidNir(worker.nir)) v.push({ path: '/worker/nir', message: 'NIR key does not match' });
  if (worker.ins && !isValidNir(worker.ins.value)) v.push({ path: '/worker/ins/value', message: 'INS matricule key does not match' });
  if (worker.nir && worker.ins && worker.nir.slice(0, 13) !== worker.ins.value.slice(0, 13)) {
    v.push({ path: '/worker/ins/value', message: 'INS and NIR designate different people' });
  }
  if (employer && !isValidSiret(employer.siret)) v.push({ path: '/employer/siret', message: 'SIRET fails the Luhn check' });
  return v;
}
