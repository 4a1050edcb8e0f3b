import { chooseObservation, copyCursorFrom, supersededObservations } from './shared-observation';

describe('shared observation of a source shard (docs/adr/0008, 4.2)', () => {
  const settleMs = 15_000;
  const now = 1_000_000;
  const aged = { upTo: '900', at: now - 20_000 };
  const older = { upTo: '800', at: now - 40_000 };
  const young = { upTo: '990', at: now - 5_000 };
  const younger = { upTo: '995', at: now - 1_000 };

  it('none known: observe one (and wait for it)', () => {
    expect(chooseObservation([], now, settleMs)).toEqual({ use: null, observeAgain: true });
  });

  it('one older than the settle window: the newest such is used at once; with none maturing, a fresh one is recorded for later groups', () => {
    expect(chooseObservation([older, aged], now, settleMs)).toEqual({ use: aged, observeAgain: true });
    expect(chooseObservation([older, aged, young], now, settleMs)).toEqual({ use: aged, observeAgain: false });
  });

  it('only younger ones: the one maturing first is used (its remaining window is waited), nothing new recorded', () => {
    expect(chooseObservation([younger, young], now, settleMs)).toEqual({ use: young, observeAgain: false });
  });

  it('exactly the settle window old counts as settled', () => {
    expect(chooseObservation([{ upTo: '1', at: now - settleMs }], now, settleMs).use).toEqual({ upTo: '1', at: now - settleMs });
  });

  it('observations older than the newest settled one are superseded', () => {
    expect(supersededObservations([older, aged, young], now, settleMs)).toEqual([older]);
    expect(supersededObservations([young, younger], now, settleMs)).toEqual([]);
  });

  it('the backfill cursor of an observation starts reading once its settle window has passed', () => {
    expect(copyCursorFrom(aged, settleMs)).toEqual({ kind: 'copy', upTo: '900', observedAt: aged.at, startAt: aged.at + settleMs, partitions: {}, records: { after: '0', done: false }, staged: [] });
  });
});
