// Strict field parsers. Each returns the value or a string describing what was wrong.

export const MAX_ID = 2147483647; // 2^31 - 1: ids must fit an i32

/** A field as shown in messages: at most 40 characters (a malformed file can have huge fields). */
function shown(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** Non-negative decimal integer id <= 2^31-1 (no sign, no decimals, no spaces). */
export function parseId(s: string, what: string): number | string {
  if (s.length === 0) return `missing ${what}`;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) {
      if (s.includes('\uFFFD') || s.includes('\0')) return `bad encoding in ${what} (invalid UTF-8 or NUL bytes)`;
      return `non-numeric ${what} ${JSON.stringify(shown(s))} (expected a non-negative integer)`;
    }
    v = v * 10 + c;
    if (v > MAX_ID) return `${what} ${shown(s)} is beyond 2^31-1 (${MAX_ID})`;
  }
  return v;
}

/** Finite decimal number (integer, decimal or exponent form). */
export function parseNumber(s: string, what: string): number | string {
  if (s.length === 0) return `missing ${what}`;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    if (s.includes('\uFFFD')) return `bad encoding in ${what} (invalid UTF-8 bytes)`;
    return `non-numeric ${what} ${JSON.stringify(shown(s))} (expected a number)`;
  }
  const v = Number(s);
  return Number.isFinite(v) ? v : `${what} ${shown(s)} is out of range`;
}
