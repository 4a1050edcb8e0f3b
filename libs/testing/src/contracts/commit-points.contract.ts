import type { CommitPoints } from '@shardline/commit-points';

/** What every CommitPoints adapter must do (in-memory double and control database alike). */
export function commitPointsContract(name: string, open: () => Promise<{ points: CommitPoints; close(): Promise<void> }>) {
  describe(`CommitPoints contract: ${name}`, () => {
    let points: CommitPoints;
    let close: () => Promise<void>;
    beforeAll(async () => ({ points, close } = await open()));
    afterAll(async () => close());

    it('opens pending; the first decision wins and the loser learns it', async () => {
      await points.open('a');
      await points.open('a');
      expect((await points.statusOf(['a'])).get('a')).toBe('pending');
      expect(await points.commit('a')).toBe('committed');
      expect(await points.void('a')).toBe('committed');
      expect(await points.commit('a')).toBe('committed');

      await points.open('b');
      expect(await points.void('b')).toBe('voided');
      expect(await points.commit('b')).toBe('voided');
    });

    it('resolves many ids at once; unknown ids count as pending', async () => {
      await points.open('c');
      const statuses = await points.statusOf(['a', 'b', 'c', 'never', 'a']);
      expect(Object.fromEntries(statuses)).toEqual({ a: 'committed', b: 'voided', c: 'pending', never: 'pending' });
      expect((await points.statusOf([])).size).toBe(0);
    });

    it('concurrent commit and void: exactly one wins, both see the same outcome', async () => {
      for (let i = 0; i < 10; i++) {
        await points.open(`race${i}`);
        const [committed, voided] = await Promise.all([points.commit(`race${i}`), points.void(`race${i}`)]);
        expect(committed).toBe(voided);
      }
    });

    it('deciding a commit point that was never opened is a bug, not a silent success', async () => {
      await expect(points.commit('missing')).rejects.toThrow();
    });
  });
}
