import { renderAsyncApi } from './api-docs';

describe('AsyncAPI page', () => {
  it('lists each channel with its operations and messages, escaping every text', () => {
    const html = renderAsyncApi('t.yaml', {
      info: { title: 'topics <b>', version: '1' },
      channels: { a: { address: 'pdp.a.v1', description: '<script>x</script>', messages: { m: { $ref: '#/components/messages/m' } } } },
      operations: { sendA: { action: 'send', channel: { $ref: '#/channels/a' }, summary: 'gateway publishes' } },
      components: { messages: { m: { name: 'a/1', payload: { $ref: '../schemas/a.v1.schema.json' }, bindings: { kafka: { key: { description: 'messageId' } } } } } },
    });
    expect(html).toContain('<code>pdp.a.v1</code>');
    expect(html).toContain('<strong>send</strong> (sendA): gateway publishes');
    expect(html).toContain('key: messageId');
    expect(html).toContain('href="/docs/contracts/schemas/a.v1.schema.json"');
    expect(html).not.toContain('<script>x');
    expect(html).toContain('topics &#60;b&#62;');
  });
});
