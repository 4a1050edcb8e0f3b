import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of one shard's MySQL, so a test can make that shard unreachable mid-run
 * (existing connections are cut, new ones refused) and bring it back, like a server or network loss.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = this.port): Promise<number> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      this.forward(client, upstream);
      this.forward(upstream, client);
      if (this.frozen) for (const s of [client, upstream]) s.pause();
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  private frozen = false;
  private delayMs = 0;

  /**
   * Copies bytes from one side to the other, each chunk `delayMs` late when the proxy is slowed,
   * in order (a chunk never overtakes an earlier, still delayed one).
   */
  private forward(from: Socket, to: Socket): void {
    let lastDue = 0;
    from.on('data', (chunk: Buffer) => {
      const now = performance.now();
      const due = Math.max(now + this.delayMs, lastDue);
      lastDue = due;
      if (due <= now) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), due - now);
    });
  }

  /**
   * Delays every chunk by `delayMs` in each direction, like a shard that is slow but up (an
   * overloaded server, a congested link): every round trip costs 2 × delayMs. `slow(0)` restores it.
   */
  slow(delayMs: number): void {
    this.delayMs = delayMs;
  }

  /**
   * Stops forwarding bytes without closing anything, like a hung server or a silent network loss:
   * open connections stay open and get no answers; new ones connect and hang. `thaw()` resumes.
   * `cut` first closes the open connections, so a pool must open new ones, whose connects hang
   * (a mysql2 client then fails with `connect ETIMEDOUT` after its connect timeout).
   */
  freeze(options: { cut?: boolean } = {}): void {
    this.frozen = true;
    if (options.cut) {
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
    }
    for (const socket of this.sockets) socket.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.sockets) socket.resume();
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Refuses new connections and cuts every open one. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
