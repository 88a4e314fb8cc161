/** An address range: the canonical address bits and the prefix length. */
interface Range {
  version: 4 | 6;
  bits: bigint;
  prefix: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let address = text;
  let tail: bigint[] = [];
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.', lastColon)) {
    const v4 = parseIpv4(address.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    address = `${address.slice(0, lastColon + 1)}x`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = toGroups(halves[0] as string);
  const rest = halves.length === 2 ? toGroups(halves[1] as string) : [];
  const groups = [...head, ...rest].filter((group) => group !== 'x');
  const total = groups.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words: bigint[] = [];
  for (const group of head) if (group !== 'x') words.push(parseGroup(group));
  for (let i = 0; i < 8 - total; i += 1) words.push(0n);
  for (const group of rest) if (group !== 'x') words.push(parseGroup(group));
  words.push(...tail);
  if (words.some((word) => word < 0n)) return undefined;
  return words.reduce((value, word) => (value << 16n) | word, 0n);
}

function parseGroup(group: string): bigint {
  return /^[0-9a-fA-F]{1,4}$/.test(group) ? BigInt(`0x${group}`) : -1n;
}

/** Parses an address, folding IPv4-mapped IPv6 (`::ffff:a.b.c.d`) to IPv4. */
export function parseIp(text: string): { version: 4 | 6; bits: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, bits: v4 };
  const v6 = parseIpv6(text.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { version: 4, bits: v6 & 0xffffffffn };
  return { version: 6, bits: v6 };
}

/** Parses `10.0.0.0/8`, `::1`, `fd00::/8` and the like; undefined when malformed. */
export function parseRange(text: string): Range | undefined {
  const [address, prefixText] = text.split('/', 2) as [string, string | undefined];
  const ip = parseIp(address);
  if (!ip) return undefined;
  const width = ip.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return undefined;
  return { ...ip, prefix };
}

/** A predicate telling whether an address falls in one of `ranges`. */
export function addressMatcher(
  ranges: readonly string[],
): (address: string | undefined) => boolean {
  const parsed = ranges.map((range) => {
    const value = parseRange(range);
    if (!value) throw new TypeError(`mtls.trustedProxies: "${range}" is not an IP address or CIDR`);
    return value;
  });
  return (address) => {
    const ip = address === undefined ? undefined : parseIp(address);
    if (!ip) return false;
    return parsed.some((range) => {
      if (range.version !== ip.version) return false;
      const shift = BigInt((ip.version === 4 ? 32 : 128) - range.prefix);
      return ip.bits >> shift === range.bits >> shift;
    });
  };
}
