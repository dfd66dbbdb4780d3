import { Rng } from './rng';
import { MessageType } from './truth';

/**
 * A broken copy of a valid message, as partners' software sends them: a NIR whose key does not
 * match, a missing required field, dates in the wrong order. The hub must dead-letter each one.
 */
export function corrupt(rng: Rng, type: MessageType, value: object): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any field of any message may be broken
  const v = JSON.parse(JSON.stringify(value)) as Record<string, any>;
  v.messageId = `${v.messageId}-x`;
  if (type === 'outcome') v.reportId = `${v.reportId}-x`;
  if (type === 'signalement') v.signalementId = `${v.signalementId}-x`;
  const kind = rng.int(0, 2);
  if (kind === 0 && v.worker?.nir) {
    const key = Number(v.worker.nir.slice(13));
    v.worker.nir = v.worker.nir.slice(0, 13) + String((key % 97) + 1).padStart(2, '0');
  } else if (kind === 1) {
    delete v[type === 'outcome' ? 'outcome' : type === 'signalement' ? 'reason' : 'startDate'];
  } else if (type === 'outcome') {
    v.accompaniment.endDate = '1999-12-31';
  } else if (type === 'signalement') {
    v.date = 'not-a-date';
  } else {
    v.expectedEndDate = '1999-12-31';
  }
  return v;
}
