import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from '@pdp/contracts';

/** One call the receiver got: its headers, raw body, the answer it gave, and the event when the signature held. */
export interface WebhookCall {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
  event?: WebhookEvent;
}

/**
 * A partner's webhook receiver, verifying each call with the Standard Webhooks library (the one
 * the specification's authors publish), answering what `answer` says for the n-th call of an event.
 */
export class WebhookReceiver {
  readonly calls: WebhookCall[] = [];
  secret = '';
  answer: (eventId: string, attempt: number) => number = () => 200;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id']);
        const attempt = this.calls.filter((c) => c.headers['webhook-id'] === id).length + 1;
        let event: WebhookEvent | undefined;
        try {
          event = new Webhook(this.secret).verify(body, req.headers as Record<string, string>) as WebhookEvent;
        } catch {
          event = undefined;
        }
        const answered = event ? this.answer(id, attempt) : 401;
        this.calls.push({ headers: req.headers, body, answered, event });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hooks/pdp`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The accepted (2xx) calls whose verified event matches. */
  accepted(match: (e: WebhookEvent) => boolean): WebhookCall[] {
    return this.calls.filter((c) => c.answered < 300 && c.event && match(c.event));
  }
}
