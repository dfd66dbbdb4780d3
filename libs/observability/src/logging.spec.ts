import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions, scrubIdentifiers } from './logging';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

describe('log lines', () => {
  it('writes JSON with the service and level, redacting identity fields and credentials', () => {
    const out = capture();
    const log = pino(loggerOptions({ service: 'pdp-test', level: 'info' }), out.stream);
    log.info({ worker: { nir: '1850578006084', birthName: 'DUPONT' }, partner: { identity: { ins: 'x' } }, req: { headers: { authorization: 'Bearer t', 'x-api-key': 'k' } } }, 'delivered');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', service: 'pdp-test', msg: 'delivered', worker: '[redacted]', partner: { identity: '[redacted]' } });
    expect(line.req).toEqual({ headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } });
    expect(JSON.stringify(line)).not.toMatch(/1850578006084|DUPONT|Bearer/);
  });

  it('scrubs NIR-shaped numbers from messages, keys or not', () => {
    expect(scrubIdentifiers('no SPSTI for 185057800608412 (key) or 1850578006084')).toBe('no SPSTI for [redacted] (key) or [redacted]');
    expect(scrubIdentifiers('batch of 250 at offset 12345')).toBe('batch of 250 at offset 12345');
    const out = capture();
    pino(loggerOptions({ service: 's', level: 'info' }), out.stream).warn('refused 185057800608412');
    expect(out.lines()[0].msg).toBe('refused [redacted]');
  });
});
