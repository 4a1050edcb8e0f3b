import { summaryLines } from './rounds';
import { SUMMARY_PREFIX, summaryOf, type RunSummary } from './run-summary';

const run = (relay: number, producer: number, pipeline: number): RunSummary => ({
  ratios: [{ key: 'relay', label: 'relay / raw kafkajs producer, process', stage: relay, raw: producer }],
  pipeline,
  whole: pipeline + 50,
});

describe('bench:pipeline rounds', () => {
  it("finds a run's summary line among its report and reads NaN figures (null in JSON) as missing", () => {
    const summary = { ratios: [{ key: 'mariadb', label: 'm', stage: 80, raw: NaN }], pipeline: 420, whole: NaN };
    const output = `## stage / raw\n  relay …\n${SUMMARY_PREFIX}${JSON.stringify(summary)}\n# load average 1.0\n`;
    expect(summaryOf(output)).toEqual({ ratios: [{ key: 'mariadb', label: 'm', stage: 80, raw: null }], pipeline: 420, whole: null });
    expect(summaryOf('## cost only\n')).toBeNull();
  });

  it('prints every run of a variant and the median of each ratio, the runs of each variant apart', () => {
    const lines = summaryLines(
      new Map([
        ['a', [run(90, 50, 500), run(60, 50, 400), run(75, 50, 450)]],
        ['b', [run(80, 40, 420), run(100, 40, 440)]],
      ]),
    ).join('\n');
    expect(lines).toContain('## a: 3 runs');
    expect(lines).toMatch(/relay\s+1\.80 \/ 1\.20 \/ 1\.50\s+→ 1\.50x {2}\(75 vs 50 µs\/event\)/);
    expect(lines).toContain('pipeline µs/event 500 / 400 / 450 → 450; whole machine 550 / 450 / 500 → 500');
    expect(lines).toMatch(/## b: 2 runs[\s\S]*relay\s+2\.00 \/ 2\.50\s+→ 2\.25x {2}\(90 vs 40 µs\/event\)/);
  });

  it('leaves a ratio out of the median where a run could not measure it', () => {
    const missing: RunSummary = { ratios: [{ key: 'relay', label: 'r', stage: 70, raw: null as unknown as number }], pipeline: 400, whole: 450 };
    expect(summaryLines(new Map([['a', [run(90, 50, 500), missing]]])).join('\n')).toMatch(/relay\s+1\.80 \/ n\/a\s+→ 1\.80x/);
  });
});
