/**
 * A small description language for the JSON files the harness writes: one value both documents a
 * file (shapeMarkdown: a table of every field with its type and meaning) and checks it
 * (checkShape: every error names the field, what was expected and what was found). Objects may
 * carry keys that are not described (later minor additions); described keys are required unless
 * listed as optional.
 */
export type Shape =
  | { readonly kind: 'string'; readonly doc: string; readonly nonEmpty?: boolean }
  | { readonly kind: 'number'; readonly doc: string; readonly min?: number; readonly max?: number; readonly integer?: boolean }
  | { readonly kind: 'boolean'; readonly doc: string }
  | { readonly kind: 'literal'; readonly doc: string; readonly value: string | number | boolean }
  | { readonly kind: 'nullable'; readonly doc: string; readonly of: Shape }
  | { readonly kind: 'array'; readonly doc: string; readonly of: Shape; readonly length?: number }
  | { readonly kind: 'object'; readonly doc: string; readonly fields: Readonly<Record<string, Shape>>; readonly optional?: readonly string[] }
  | { readonly kind: 'record'; readonly doc: string; readonly of: Shape }
  | { readonly kind: 'any'; readonly doc: string };

export const shape = {
  string: (doc: string, nonEmpty = false): Shape => ({ kind: 'string', doc, nonEmpty }),
  number: (doc: string, limits: { min?: number; max?: number; integer?: boolean } = {}): Shape => ({ kind: 'number', doc, ...limits }),
  count: (doc: string): Shape => ({ kind: 'number', doc, min: 0, integer: true }),
  boolean: (doc: string): Shape => ({ kind: 'boolean', doc }),
  literal: (value: string | number | boolean, doc: string): Shape => ({ kind: 'literal', doc, value }),
  nullable: (of: Shape, doc?: string): Shape => ({ kind: 'nullable', doc: doc ?? of.doc, of }),
  array: (of: Shape, doc: string, length?: number): Shape => ({ kind: 'array', doc, of, ...(length !== undefined ? { length } : {}) }),
  object: (doc: string, fields: Record<string, Shape>, optional: readonly string[] = []): Shape => ({ kind: 'object', doc, fields, optional }),
  record: (of: Shape, doc: string): Shape => ({ kind: 'record', doc, of }),
  any: (doc: string): Shape => ({ kind: 'any', doc }),
};

function typeName(s: Shape): string {
  switch (s.kind) {
    case 'string':
      return s.nonEmpty ? 'non-empty string' : 'string';
    case 'number': {
      const parts = [s.integer ? 'integer' : 'number'];
      if (s.min !== undefined) parts.push(`>= ${s.min}`);
      if (s.max !== undefined) parts.push(`<= ${s.max}`);
      return parts.join(' ');
    }
    case 'boolean':
      return 'boolean';
    case 'literal':
      return JSON.stringify(s.value);
    case 'nullable':
      return `${typeName(s.of)} or null`;
    case 'array':
      return s.length !== undefined ? `array of ${s.length}` : 'array';
    case 'object':
      return 'object';
    case 'record':
      return 'object (any keys)';
    case 'any':
      return 'any JSON';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Every mismatch between `value` and `s`, as "field: expected X, got Y" (an empty list when it fits). */
export function checkShape(s: Shape, value: unknown, path: string, errors: string[] = [], limit = 50): string[] {
  if (errors.length >= limit) return errors;
  const fail = () => errors.push(`${path}: expected ${typeName(s)}, got ${describe(value)}`);
  switch (s.kind) {
    case 'string':
      if (typeof value !== 'string' || (s.nonEmpty && value.length === 0)) fail();
      break;
    case 'number':
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        (s.integer && !Number.isInteger(value)) ||
        (s.min !== undefined && value < s.min) ||
        (s.max !== undefined && value > s.max)
      ) fail();
      break;
    case 'boolean':
      if (typeof value !== 'boolean') fail();
      break;
    case 'literal':
      if (value !== s.value) fail();
      break;
    case 'nullable':
      if (value === null) break;
      // A scalar that does not fit is reported as "X or null"; a container's fields by name.
      if (s.of.kind === 'object' || s.of.kind === 'array' || s.of.kind === 'record') checkShape(s.of, value, path, errors, limit);
      else if (checkShape(s.of, value, path, []).length > 0) fail();
      break;
    case 'array':
      if (!Array.isArray(value) || (s.length !== undefined && value.length !== s.length)) fail();
      else value.forEach((v, i) => checkShape(s.of, v, `${path}[${i}]`, errors, limit));
      break;
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail();
      else {
        const record = value as Record<string, unknown>;
        for (const [key, field] of Object.entries(s.fields)) {
          if (!(key in record) && s.optional?.includes(key)) continue;
          checkShape(field, record[key], `${path}.${key}`, errors, limit);
        }
      }
      break;
    case 'record':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail();
      else for (const [key, v] of Object.entries(value)) checkShape(s.of, v, `${path}.${key}`, errors, limit);
      break;
    case 'any':
      break;
  }
  return errors;
}

/** Rows (field path, type, meaning) of every described field, depth first. */
export function shapeRows(s: Shape, path: string, rows: string[][] = [], optional = false): string[][] {
  rows.push([path, typeName(s) + (optional ? ' (optional)' : ''), s.doc]);
  const inner = s.kind === 'nullable' ? s.of : s;
  if (inner.kind === 'object') {
    for (const [key, field] of Object.entries(inner.fields)) shapeRows(field, `${path}.${key}`, rows, inner.optional?.includes(key) ?? false);
  } else if (inner.kind === 'array' || inner.kind === 'record') {
    const item = inner.of;
    if (item.kind === 'object' || item.kind === 'nullable' || item.kind === 'array' || item.kind === 'record') {
      shapeRows(item, inner.kind === 'array' ? `${path}[]` : `${path}.<key>`, rows);
    } else {
      rows.push([inner.kind === 'array' ? `${path}[]` : `${path}.<key>`, typeName(item), item.doc]);
    }
  }
  return rows;
}
