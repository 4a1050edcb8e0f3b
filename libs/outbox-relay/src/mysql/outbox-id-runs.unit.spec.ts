import { runsOf } from './mysql-outbox.source';

describe('runsOf (the published ids as runs of consecutive ids, for the outbox delete)', () => {
  it('merges consecutive ids, splits at every gap, keeps 64-bit ids exact', () => {
    expect(runsOf(['5', '6', '7', '9', '10', '12'])).toEqual([
      ['5', '7'],
      ['9', '10'],
      ['12', '12'],
    ]);
    expect(runsOf(['9007199254740992', '9007199254740993', '18446744073709551615'])).toEqual([
      ['9007199254740992', '9007199254740993'],
      ['18446744073709551615', '18446744073709551615'],
    ]);
    expect(runsOf([])).toEqual([]);
  });

  it('refuses anything that is not a decimal id (the ids are inlined into the statement)', () => {
    expect(() => runsOf(['1', '2 OR 1=1'])).toThrow('not an outbox id');
    expect(() => runsOf(['-1'])).toThrow('not an outbox id');
  });
});
