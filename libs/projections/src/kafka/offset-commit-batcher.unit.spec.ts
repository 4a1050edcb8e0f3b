import { OffsetCommitBatcher, type SendCommit } from './offset-commit-batcher';

type Offsets = Parameters<SendCommit>[0];

/** A send whose requests stay pending until the test settles them. */
function gatedSend() {
  const requests: Array<{ offsets: Offsets; resolve: () => void; reject: (e: unknown) => void }> = [];
  const send: SendCommit = (offsets) => new Promise<void>((resolve, reject) => requests.push({ offsets, resolve, reject }));
  return { requests, send };
}

const turn = () => new Promise((r) => setImmediate(r));
const state = (p: Promise<unknown>) => Promise.race([p.then(() => 'resolved', () => 'rejected'), turn().then(() => 'pending')]);

describe('OffsetCommitBatcher', () => {
  it('sends the commits asked in one turn as one request, and settles each caller only once it is acknowledged', async () => {
    const batcher = new OffsetCommitBatcher();
    const { requests, send } = gatedSend();
    const commits = [0, 1, 2].map((partition) => batcher.commit({ topic: 't', partition, offset: String(10 + partition) }, send));
    await turn();
    expect(requests.map((r) => r.offsets)).toEqual([
      {
        topics: [
          {
            topic: 't',
            partitions: [
              { partition: 0, offset: '10' },
              { partition: 1, offset: '11' },
              { partition: 2, offset: '12' },
            ],
          },
        ],
      },
    ]);
    expect(await state(commits[0])).toBe('pending');
    requests[0].resolve();
    await expect(Promise.all(commits)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('rejects every caller of a failed request with its error, and a later turn makes a request of its own', async () => {
    const batcher = new OffsetCommitBatcher();
    const { requests, send } = gatedSend();
    const failing = [batcher.commit({ topic: 't', partition: 0, offset: '5' }, send), batcher.commit({ topic: 'u', partition: 0, offset: '7' }, send)];
    await turn();
    expect(requests[0].offsets.topics.map((t) => t.topic)).toEqual(['t', 'u']);
    const error = new Error('REBALANCE_IN_PROGRESS');
    requests[0].reject(error);
    for (const commit of failing) await expect(commit).rejects.toBe(error);

    const later = batcher.commit({ topic: 't', partition: 0, offset: '5' }, send);
    await turn();
    expect(requests).toHaveLength(2);
    expect(requests[1].offsets).toEqual({ topics: [{ topic: 't', partitions: [{ partition: 0, offset: '5' }] }] });
    requests[1].resolve();
    await expect(later).resolves.toBeUndefined();
  });

  it('keeps the highest offset of a partition asked twice in one turn', async () => {
    const batcher = new OffsetCommitBatcher();
    const { requests, send } = gatedSend();
    const both = [batcher.commit({ topic: 't', partition: 3, offset: '900' }, send), batcher.commit({ topic: 't', partition: 3, offset: '1000' }, send)];
    await turn();
    expect(requests[0].offsets).toEqual({ topics: [{ topic: 't', partitions: [{ partition: 3, offset: '1000' }] }] });
    requests[0].resolve();
    await Promise.all(both);
  });
});
