import { catchUpCursorAfter, type CopyCursor, keptObservations, newHoles, settledPosition, withoutFilled } from './slot-copy.cursors';

const times = { settleMs: 1000, startedAt: 10_000, scannedAt: 10_050 };

describe('catch-up cursor arithmetic (the gap rule, docs/adr/0008 4.3)', () => {
  it('positions missing between those passed become holes, seen at the end of the scan', () => {
    expect(newHoles(10n, [11n, 14n, 15n, 20n], [], times)).toEqual([
      { from: '12', to: '13', seenAt: 10_050 },
      { from: '16', to: '19', seenAt: 10_050 },
    ]);
    expect(newHoles(10n, [13n], [], times)).toEqual([{ from: '11', to: '12', seenAt: 10_050 }]);
    expect(newHoles(10n, [11n, 12n], [], times)).toEqual([]);
  });

  it('a hole below an observation older than the settle window is dead; below a younger one it is seen at the observation', () => {
    const old = { upTo: '15', at: 10_000 - 1000 };
    const young = { upTo: '30', at: 9_500 };
    expect(newHoles(10n, [11n, 14n, 20n, 31n], [old, young], times)).toEqual([
      // 12–13 ≤ 15, observed ≥ settle ago: dead. 15–19 and 21–30 ≤ 30, observed 500 ms ago.
      { from: '15', to: '19', seenAt: 9_500 },
      { from: '21', to: '30', seenAt: 9_500 },
    ]);
  });

  it('filled positions split holes; the rest keep their time', () => {
    const holes = [
      { from: '12', to: '13', seenAt: 1 },
      { from: '16', to: '19', seenAt: 2 },
    ];
    expect(withoutFilled(holes, [12n, 17n, 19n])).toEqual([
      { from: '13', to: '13', seenAt: 1 },
      { from: '16', to: '16', seenAt: 2 },
      { from: '18', to: '18', seenAt: 2 },
    ]);
    expect(withoutFilled(holes, [12n, 13n])).toEqual([{ from: '16', to: '19', seenAt: 2 }]);
  });

  it('observations kept: only above scannedTo; of the aged, the highest; of the young, one per quarter window', () => {
    const all = [
      { upTo: '5', at: 0 },
      { upTo: '50', at: 100 },
      { upTo: '60', at: 200 },
      { upTo: '70', at: 9_000 },
      { upTo: '71', at: 9_100 },
      { upTo: '80', at: 9_300 },
    ];
    // Aged (≥ 1000 ms): 50, 60, 70 → 70 covers the others. Young: 71, then 80 only 200 ms later (< 250): dropped.
    expect(keptObservations(all, 10n, 1000, 10_000)).toEqual([
      { upTo: '70', at: 9_000 },
      { upTo: '71', at: 9_100 },
    ]);
    expect(keptObservations(all, 75n, 1000, 10_000)).toEqual([{ upTo: '80', at: 9_300 }]);
  });

  it('the settled position is below the first hole, else scannedTo; the catch-up starts where the backfill observed', () => {
    expect(settledPosition({ kind: 'catch-up', scannedTo: '99', holes: [], observations: [], staged: [] })).toBe('99');
    expect(
      settledPosition({
        kind: 'catch-up',
        scannedTo: '99',
        holes: [
          { from: '50', to: '51', seenAt: 0 },
          { from: '40', to: '40', seenAt: 0 },
        ],
        observations: [],
        staged: [],
      }),
    ).toBe('39');
    const copy: CopyCursor = { kind: 'copy', upTo: '12345678901234567890', observedAt: 7, startAt: 8, partitions: {}, records: { after: '0', done: true }, staged: [{ position: '3', monthKey: 202612 }] };
    expect(catchUpCursorAfter(copy)).toEqual({ kind: 'catch-up', scannedTo: '12345678901234567890', holes: [], observations: [{ upTo: '12345678901234567890', at: 7 }], staged: [{ position: '3', monthKey: 202612 }] });
  });
});
