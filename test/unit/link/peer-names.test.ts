// How linkd finds its peers by name without getaddrinfo: /etc/hosts first (then DNS).
import { describe, expect, it } from 'vitest';
import { hostsFileAddress } from '../../../src/link/relay/peer-address.ts';

describe('hostsFileAddress', () => {
  const hosts =
    '127.0.0.1 localhost\n::1 localhost ip6-localhost\n# 198.19.0.9 server\n198.19.0.2\tserver srv # lab\n';
  it('finds IPv4 entries by any of their names, ignoring comments and IPv6', () => {
    expect(hostsFileAddress('server', hosts)).toBe('198.19.0.2');
    expect(hostsFileAddress('srv', hosts)).toBe('198.19.0.2');
    expect(hostsFileAddress('localhost', hosts)).toBe('127.0.0.1');
    expect(hostsFileAddress('ip6-localhost', hosts)).toBeNull();
    expect(hostsFileAddress('client', hosts)).toBeNull();
  });
});
