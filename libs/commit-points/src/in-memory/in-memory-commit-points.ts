import type { CommitPoints, CommitPointStatus } from '../commit-points.port';

export class InMemoryCommitPoints implements CommitPoints {
  private readonly points = new Map<string, CommitPointStatus>();

  async open(id: string): Promise<void> {
    if (!this.points.has(id)) this.points.set(id, 'pending');
  }

  async commit(id: string): Promise<CommitPointStatus> {
    return this.decide(id, 'committed');
  }

  async void(id: string): Promise<CommitPointStatus> {
    return this.decide(id, 'voided');
  }

  async statusOf(ids: readonly string[]): Promise<Map<string, CommitPointStatus>> {
    return new Map(ids.map((id) => [id, this.points.get(id) ?? 'pending']));
  }

  private decide(id: string, to: CommitPointStatus): CommitPointStatus {
    const current = this.points.get(id);
    if (!current) throw new Error(`commit point ${id} was never opened`);
    if (current === 'pending') this.points.set(id, to);
    return this.points.get(id)!;
  }
}
