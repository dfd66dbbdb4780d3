import { ArgumentsHost } from '@nestjs/common';
import { lastValueFrom, Observable } from 'rxjs';
import { ProblemDetailsFilter } from './problem';

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
