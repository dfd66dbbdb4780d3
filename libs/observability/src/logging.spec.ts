import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions, maskIdentity, scrubIdentifiers } from './logging';

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

describe('payloads shown to ops', () => {
  it('masks every identity field at any depth and keeps the shape, the codes and the département', () => {
    const payload = JSON.parse(
      '{"messageId":"m-1","__proto__":{"polluted":true},"worker":{"nir":"180017512345621","ins":{"value":"180017512345621","oid":"1.2.250.1.213.1.4.8"},"birthName":"MARTIN","firstNames":"Claire","birthDate":"1980-01-01","sex":"F","departement":"69"},"items":[{"identity":{"usedName":"DUPONT"}}],"note":"call 180017512345621"}',
    );
    const masked = maskIdentity(payload) as Record<string, unknown>;
    // The payload's "__proto__" key stays a plain key: it pollutes nothing.
    expect(Object.getPrototypeOf(masked)).toBeNull();
    expect(Object.keys(masked)).toContain('__proto__');
    const { ['__proto__']: _kept, ...rest } = JSON.parse(JSON.stringify(masked), (k, v) => (k === '__proto__' ? undefined : v));
    void _kept;
    expect(rest).toEqual({
      messageId: 'm-1',
      worker: { nir: '[masked]', ins: { value: '[masked]', oid: '1.2.250.1.213.1.4.8' }, birthName: '[masked]', firstNames: '[masked]', birthDate: '[masked]', sex: '[masked]', departement: '69' },
      items: [{ identity: { usedName: '[masked]' } }],
      note: 'call [redacted]',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
