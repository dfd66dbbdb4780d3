import { createServer, connect, Server, Socket } from 'node:net';
import { freePort } from './scripts';

/**
 * A loopback port in front of a real server that a test opens and closes: closed, a connection
 * is refused as by a server that is down; open, every byte goes through both ways.
 */
export class TcpGate {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** A gate (closed) towards host:port. */
  static async to(host: string, port: number): Promise<TcpGate> {
    return new TcpGate(await freePort(), { host, port });
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
