// A credit policy's JSON as the Settings tab shows and edits it: nested objects indented, but an object of plain
// values (a band, a ladder step, the levels) on one line, as docs/credit.md writes it — a whole policy fits a screen.
import type { CreditPolicy } from '../api';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const plain = (v: Json): v is null | boolean | number | string => v === null || typeof v !== 'object';

/** One line: `{"up_to": 3600, "points": 5}`, `["warn"]`. */
function inline(v: Json): string {
  if (plain(v)) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`)
    .join(', ')}}`;
}

/** Whether `v` goes on one line: plain, or holding only plain values (or one-line objects, for an array). */
function short(v: Json): boolean {
  if (plain(v)) return true;
  const items = Array.isArray(v) ? v : Object.values(v);
  return items.every(plain);
}

function block(v: Json, indent: string): string {
  if (plain(v) || short(v)) return inline(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + block(x, inner)).join(',\n')}\n${indent}]`;
  const lines = Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${block(x, inner)}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

export function policyJson(policy: CreditPolicy): string {
  return block(policy as unknown as Json, '');
}
