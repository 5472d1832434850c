/**
 * Which network addresses feed polling may connect to (the SSRF guard). Classes come from ipaddr.js;
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, SIIT, NAT64, 6to4) are judged by that address.
 */
import ipaddr from "ipaddr.js";

/**
 * What an address is, as far as fetching from it goes: `public` is fetched; `loopback` and `private`
 * only when the operator allows them; everything else never (link-local holds cloud metadata
 * services, the rest is not a place a feed lives).
 */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "broadcast"
  | "reserved";

export interface AddressPolicy {
  /** Private ranges (RFC 1918, unique-local fc00::/7, carrier-grade NAT 100.64/10). */
  allowPrivate: boolean;
  /** 127/8 and ::1. */
  allowLoopback: boolean;
}

/** The strict default: public addresses only. */
export const PUBLIC_ONLY: AddressPolicy = { allowPrivate: false, allowLoopback: false };

/** Cloud instance-metadata endpoints outside link-local (AWS's IPv6 one, Alibaba Cloud's). */
const METADATA_RANGES = [ipaddr.parseCIDR("fd00:ec2::/32"), ipaddr.parseCIDR("100.100.100.200/32")];
const NAT64_WELL_KNOWN = ipaddr.parseCIDR("64:ff9b::/96");

function isIn(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  return ranges.some((range) => address.kind() === range[0].kind() && address.match(range));
}

/** The IPv4 address an IPv6 one stands for, if it is of a form that reaches IPv4 hosts. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | "reserved" | null {
  const bytes = address.toByteArray();
  const v4At = (offset: number) => new ipaddr.IPv4(bytes.slice(offset, offset + 4));
  switch (address.range()) {
    case "ipv4Mapped": // ::ffff:a.b.c.d
    case "rfc6145": // ::ffff:0:a.b.c.d
      return v4At(12);
    case "rfc6052": // NAT64: the well-known /96 carries the address last; the local-use /48 is not a feed's
      return address.match(NAT64_WELL_KNOWN) ? v4At(12) : "reserved";
    case "6to4": // 2002:AABB:CCDD::/48
      return v4At(2);
  }
  // Deprecated IPv4-compatible ::a.b.c.d (the first 96 bits zero, other than :: and ::1).
  const high = bytes.slice(0, 12).every((b) => b === 0);
  const low = bytes.slice(12).reduce((n, b) => n * 256 + b, 0);
  return high && low > 1 ? "reserved" : null;
}

/** The class of each range ipaddr.js names (IPv4 and IPv6 name theirs apart). */
const RANGE_CLASS = new Map<string, AddressClass>([
  ["unicast", "public"],
  ["loopback", "loopback"],
  ["private", "private"], // IPv4: 10/8, 172.16/12, 192.168/16
  ["carrierGradeNat", "private"], // IPv4: 100.64/10
  ["uniqueLocal", "private"], // IPv6: fc00::/7
  ["deprecatedSiteLocal", "private"], // IPv6: fec0::/10
  ["linkLocal", "link-local"],
  ["unspecified", "unspecified"],
  ["multicast", "multicast"],
  ["broadcast", "broadcast"], // IPv4 only
]);

function classifyIp(address: ipaddr.IPv4 | ipaddr.IPv6): AddressClass {
  if (isIn(address, METADATA_RANGES)) return "metadata";
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6;
    const v4 = embeddedIPv4(v6);
    if (v4 === "reserved") return "reserved";
    if (v4) return classifyIp(v4);
  }
  // Any other range is reserved: IPv6 teredo, documentation, benchmarking, ORCHID, discard…; IPv4
  // documentation, benchmarking, 240/4, AS112, AMT… A string: ipaddr.js knows more ranges than its
  // type names (deprecatedSiteLocal).
  const range: string = address.range();
  return RANGE_CLASS.get(range) ?? "reserved";
}

/** The class of an IP address in text form; `reserved` for text that is not one. */
export function classifyAddress(text: string): AddressClass {
  if (!ipaddr.isValid(text)) return "reserved";
  return classifyIp(ipaddr.parse(text));
}

/** True when `text` is an IP address (v4 or v6, no brackets), not a name to resolve. */
export const isIpAddress = (text: string): boolean => ipaddr.isValid(text);

/**
 * Why `policy` refuses the address (for "refused: the feed's address is <why>"), or null when it may
 * be fetched. Says nothing of the address itself: the reason is all an admin needs, and an error text
 * must not map the network it came from.
 */
export function refusalOf(text: string, policy: AddressPolicy): string | null {
  const kind = classifyAddress(text);
  switch (kind) {
    case "public":
      return null;
    case "loopback":
      if (policy.allowLoopback) return null;
      return policy.allowPrivate
        ? "loopback: never fetched here"
        : "loopback (set feedsAllowPrivate to allow it)";
    case "private":
      return policy.allowPrivate ? null : "private (set feedsAllowPrivate to allow it)";
    case "metadata":
      return "a cloud metadata service: never fetched";
    default:
      return `${kind}: never fetched`;
  }
}
