import { addressMatcher, parseIp } from './ip.js';

describe('trusted proxy ranges (RS-MTLS-04)', () => {
  const trusted = addressMatcher(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', '::1']);
  test.each([
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['192.168.1.10', true],
    ['192.168.1.11', false],
    ['11.0.0.1', false],
    ['fd12:3456::1', true],
    ['fe80::1', false],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['not-an-ip', false],
    [undefined, false],
  ])('%s trusted: %s', (address, expected) => {
    expect(trusted(address)).toBe(expected);
  });

  test('rejects malformed ranges at configuration time', () => {
    expect(() => addressMatcher(['10.0.0.0/33'])).toThrow(/trustedProxies/);
    expect(() => addressMatcher(['300.1.1.1'])).toThrow(/trustedProxies/);
  });

  test('parses compressed IPv6 forms', () => {
    expect(parseIp('2001:db8::')).toEqual({ version: 6, bits: 0x20010db8n << 96n });
    expect(parseIp('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIp('1::2::3')).toBeUndefined();
  });
});
