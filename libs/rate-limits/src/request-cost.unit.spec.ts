import { requestCost } from './request-cost';

describe('requestCost', () => {
  const perToken = 100 * 1024;

  it('charges a read or a bodiless request one token', () => {
    expect(requestCost('GET', undefined, perToken, 1000)).toBe(1);
    expect(requestCost('GET', '5000000', perToken, 1000)).toBe(1);
    expect(requestCost('DELETE', undefined, perToken, 1000)).toBe(1);
  });

  it('charges a write one token per bytesPerToken of its declared body, at least one', () => {
    expect(requestCost('POST', '300', perToken, 1000)).toBe(1);
    expect(requestCost('POST', String(perToken), perToken, 1000)).toBe(1);
    expect(requestCost('POST', String(perToken + 1), perToken, 1000)).toBe(2);
    expect(requestCost('PATCH', String(10 * perToken), perToken, 1000)).toBe(10);
  });

  it('caps the cost at the role rate, so a body within the body limit is never refused for ever', () => {
    expect(requestCost('POST', String(16 * 1024 * 1024), perToken, 50)).toBe(50);
  });

  it('charges a malformed or zero length one token', () => {
    expect(requestCost('POST', 'abc', perToken, 1000)).toBe(1);
    expect(requestCost('POST', '0', perToken, 1000)).toBe(1);
  });
});
