import { ArgumentsHost } from '@nestjs/common';
import { lastValueFrom, Observable } from 'rxjs';
import { Request, Response } from 'express';
import { ProblemDetailsFilter, ProblemException } from './problem';
import { refuseUnstorableText } from './http-app';

describe('ProblemDetailsFilter', () => {
  it('hands errors of bus handlers back to the transport, so the batch is retried', async () => {
    const host = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    const error = new Error('deadlock detected');
    const out = new ProblemDetailsFilter().catch(error, host) as Observable<never>;
    await expect(lastValueFrom(out)).rejects.toBe(error);
  });

  it('answers HTTP errors as RFC 7807 problem details', () => {
    const sent: { status?: number; type?: string; body?: string } = {};
    const res = { status: (s: number) => ((sent.status = s), res), type: (t: string) => ((sent.type = t), res), send: (b: string) => ((sent.body = b), res) };
    const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ originalUrl: '/v1/x', method: 'GET', path: '/v1/x' }) }) } as unknown as ArgumentsHost;
    new ProblemDetailsFilter().catch(new Error('boom'), host);
    expect(sent.status).toBe(500);
    expect(sent.type).toBe('application/problem+json');
    expect(JSON.parse(sent.body!)).toMatchObject({ status: 500, title: 'Internal server error', instance: '/v1/x' });
  });
});

describe('ProblemDetailsFilter, bad input', () => {
  const answer = (exception: unknown) => {
    const sent: { status?: number; body?: string } = {};
    const res = { status: (s: number) => ((sent.status = s), res), type: () => res, send: (b: string) => ((sent.body = b), res) };
    const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ originalUrl: '/v1/x', method: 'POST', path: '/v1/x' }) }) } as unknown as ArgumentsHost;
    new ProblemDetailsFilter().catch(exception, host);
    return { status: sent.status, body: JSON.parse(sent.body!) };
  };
  /** What body-parser raises (http-errors): a status, an expose flag and a type. */
  const bodyParserError = (status: number, message: string, type: string) => Object.assign(new Error(message), { status, statusCode: status, expose: true, type });

  it.each([
    [413, 'request entity too large', 'entity.too.large'],
    [415, 'unsupported charset "LATIN-9"', 'charset.unsupported'],
    [415, 'unsupported content encoding "br2"', 'encoding.unsupported'],
    [400, 'Unexpected end of JSON input', 'entity.parse.failed'],
  ])('answers a body-parser error that reaches it unmapped with its own status %s, not 500', (status, message, type) => {
    expect(answer(bodyParserError(status, message, type))).toEqual({ status, body: expect.objectContaining({ status, detail: message }) });
  });

  it('answers 503 with Retry-After when the database or the broker does not answer, 500 for a bug', () => {
    const sent: { status?: number; headers: Record<string, string>; body?: string } = { headers: {} };
    const res = {
      status: (s: number) => ((sent.status = s), res),
      type: () => res,
      setHeader: (k: string, v: string) => ((sent.headers[k] = v), res),
      send: (b: string) => ((sent.body = b), res),
    };
    const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ originalUrl: '/v1/x', method: 'POST', path: '/v1/x' }) }) } as unknown as ArgumentsHost;
    for (const down of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' }),
    ]) {
      sent.headers = {};
      new ProblemDetailsFilter().catch(down, host);
      expect(sent.status).toBe(503);
      expect(sent.headers['Retry-After']).toBe('5');
      expect(JSON.parse(sent.body!)).toMatchObject({ status: 503, title: 'Service unavailable', detail: expect.stringContaining('nothing was accepted') });
    }
    sent.headers = {};
    new ProblemDetailsFilter().catch(new TypeError("Cannot read properties of undefined (reading 'x')"), host);
    expect(sent.status).toBe(500);
    expect(sent.headers['Retry-After']).toBeUndefined();
  });

  it('answers 409 when a unique value was stored first by another request', () => {
    const { status, body } = answer(Object.assign(new Error('duplicate key value violates unique constraint "partners_api_key_hash_key"'), { code: '23505' }));
    expect(status).toBe(409);
    expect(body).toMatchObject({ title: 'Conflict', detail: expect.stringContaining('same unique value') });
  });

  it('does not show the message of a client error marked as not to be exposed', () => {
    const hidden = Object.assign(new Error('internal detail'), { status: 400, statusCode: 400, expose: false });
    expect(answer(hidden).body.detail).toBeUndefined();
    expect(answer(Object.assign(new Error('disk'), { status: 500, statusCode: 500, expose: false })).status).toBe(500);
  });

  it('lists the first hundred violations and counts the rest', () => {
    const errors = Array.from({ length: 250_000 }, (_, i) => ({ path: `line ${i + 2}`, message: `SIRET ${'9'.repeat(1000)} is invalid` }));
    const { status, body } = answer(new ProblemException(400, 'Invalid adhesions', '250000 line(s) rejected; nothing imported', errors));
    expect(status).toBe(400);
    expect(body.errors).toHaveLength(100);
    expect(body.errors[99].path).toBe('line 101');
    expect(body.errors[0].message.length).toBeLessThanOrEqual(301);
    expect(body.errorsNotListed).toBe(249_900);
    expect(body.detail).toBe('250000 line(s) rejected; nothing imported; the first 100 are listed, … and 249900 more');
    expect(JSON.stringify(body).length).toBeLessThan(64 * 1024);
    const few = answer(new ProblemException(400, 'Invalid', '2 violation(s)', errors.slice(0, 2))).body;
    expect(few.errors).toHaveLength(2);
    expect(few.errorsNotListed).toBeUndefined();
    expect(few.detail).toBe('2 violation(s)');
  });
});

describe('refuseUnstorableText', () => {
  const run = (url: string, body?: unknown) => {
    let passed: unknown = 'not called';
    refuseUnstorableText({ url, body } as Request, {} as Response, (e?: unknown) => (passed = e));
    return passed;
  };

  it('lets ordinary requests through', () => {
    expect(run('/v1/signalements', { reasonDetail: 'Arrêt long — reprise à temps partiel 😀' })).toBeUndefined();
    expect(run('/v1/directory/adhesions', 'siret;spsti_id;valid_from\n')).toBeUndefined();
    expect(run('/v1/inbox?status=pending')).toBeUndefined();
  });

  it('refuses a NUL in the path or query, and text PostgreSQL cannot store anywhere in the body', () => {
    for (const url of ['/v1/inbox/a%00b/ack', '/v1/metrics/outcomes?from=%002026']) expect(run(url)).toMatchObject({ status: 400 });
    const e = run('/v1/partners', { name: 'a\u0000', tags: ['\udc00'] }) as ProblemException;
    expect(e.getStatus()).toBe(400);
    expect(e.errors).toEqual([
      { path: '/name', message: 'contains a NUL character (\\u0000), which cannot be stored' },
      { path: '/tags/0', message: 'contains an unpaired UTF-16 surrogate, which is not Unicode text' },
    ]);
    expect(run('/v1/directory/adhesions', 'siret\u0000')).toMatchObject({ status: 400 });
  });
});
