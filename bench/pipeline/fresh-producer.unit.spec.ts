import { revived, stored } from './fresh-producer';

describe('the fresh producer reads back the messages as the relay published them', () => {
  it('keeps keys (or their absence), values and headers byte for byte through a JSON line', () => {
    const value = Buffer.from([0, 255, 10, 13, 0x7b]);
    const messages = [
      { key: Buffer.from('stream-1'), value, headers: { 'event-type': Buffer.from('RecordCreated'), seal: Buffer.from([1, 2, 3]) } },
      { key: null, value: Buffer.from('{"a":1}'), headers: {} },
    ];
    const back = messages.map((m) => revived(JSON.parse(JSON.stringify(stored(m)))));
    expect(back).toEqual(messages);
  });
});
