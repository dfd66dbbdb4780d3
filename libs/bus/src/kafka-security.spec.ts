import { kafkaSecurity } from './kafka-security';

describe('kafkaSecurity', () => {
  it('connects in clear when nothing is configured', () => {
    expect(kafkaSecurity({})).toEqual({});
  });
  it("trusts Node's roots when TLS has no CA of its own, and verifies the broker's certificate otherwise", () => {
    expect(kafkaSecurity({ ssl: {} })).toEqual({ ssl: true });
    expect(kafkaSecurity({ ssl: { ca: 'CA', cert: 'CERT', key: 'KEY' } })).toEqual({ ssl: { rejectUnauthorized: true, ca: 'CA', cert: 'CERT', key: 'KEY' } });
  });
  it('passes the SASL mechanism and credentials as kafkajs names them', () => {
    expect(kafkaSecurity({ sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } })).toEqual({ sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } });
    expect(kafkaSecurity({ ssl: {}, sasl: { mechanism: 'plain', username: 'u', password: 'p' } })).toEqual({ ssl: true, sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
  });
});
