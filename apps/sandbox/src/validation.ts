import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { invalidRequest, paramError, type WechatAnswerError } from './errors.ts';

export type Location = 'body' | 'query' | 'path';

/**
 * Validates with the very TypeBox schemas @qianyue/wechatpay exports (the BFF's client is built on them),
 * compiled by Ajv, and maps failures to WeChat's codes:
 * - unknown field, missing field, wrong type, length/pattern/enum breaches → 400 PARAM_ERROR
 *   (real APIv3 answers e.g. "请求中含有未在API文档中定义的参数" and "…字符串规则校验失败");
 * - a well-formed value that breaks a business rule (period_start_date on day 29–31) → 400 INVALID_REQUEST
 *   (contract-apis.md §1.1 says such rule violations map to INVALID_REQUEST; the exact code is UNCONFIRMED).
 */
export interface Validators {
  check<T>(name: string, value: unknown, location: Location): T;
}

export function createValidators(schemas: Record<string, TSchema>): Validators {
  // Bodies: JSON types are exact (service_id must be a JSON integer). Query/path: strings coerced like WeChat.
  const bodyAjv = new Ajv({ allErrors: true, strict: false });
  const queryAjv = new Ajv({ allErrors: true, strict: false, coerceTypes: true });
  const compiled = new Map<string, { body: ValidateFunction; query: ValidateFunction }>();
  for (const [name, schema] of Object.entries(schemas)) {
    const plain = stripId(schema);
    compiled.set(name, { body: bodyAjv.compile(plain), query: queryAjv.compile(stripId(schema)) });
  }
  return {
    check<T>(name: string, value: unknown, location: Location): T {
      const v = compiled.get(name);
      if (!v) throw new Error(`no validator named ${name}`);
      const fn = location === 'body' ? v.body : v.query;
      if (fn(value)) return value as T;
      throw toWechatError(fn.errors ?? [], value, location);
    },
  };
}

/** A JSON copy without `$id`, so a variant of a schema can be compiled next to the original. */
function stripId(schema: TSchema): object {
  const copy = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  delete copy.$id;
  return copy;
}

const DATE_SHAPED = /^\d{4}-\d{2}-\d{2}$/;

function toWechatError(errors: ErrorObject[], value: unknown, location: Location): WechatAnswerError {
  const unknown = errors.find((e) => e.keyword === 'additionalProperties');
  if (unknown) {
    const name = String((unknown.params as { additionalProperty: string }).additionalProperty);
    return paramError('请求中含有未在API文档中定义的参数', {
      field: `${unknown.instancePath}/${name}`,
      location,
      issue: 'unknown field',
    });
  }
  const required = errors.find((e) => e.keyword === 'required');
  if (required) {
    const name = String((required.params as { missingProperty: string }).missingProperty);
    return paramError(`缺少参数 ${name}`, {
      field: `${required.instancePath}/${name}`,
      location,
      issue: 'missing',
    });
  }
  const first = errors.find((e) => e.keyword !== 'anyOf') ?? errors[0];
  const field = first?.instancePath ?? '';
  const fieldValue = valueAt(value, field);
  if (
    errors.length === 1 &&
    first?.keyword === 'pattern' &&
    field === '/period_start_date' &&
    typeof fieldValue === 'string' &&
    DATE_SHAPED.test(fieldValue)
  ) {
    return invalidRequest('扣费开始日期只能是每月的1至28日', {
      field,
      location,
      issue: 'day of month must be 1-28',
    });
  }
  if (first?.keyword === 'anyOf') {
    return paramError('openid 与 sub_openid 必须二选一填写', {
      field: '/openid',
      location,
      issue: 'one of required',
    });
  }
  return paramError(`输入源“/${location}${field}”校验失败`, {
    field,
    location,
    issue: first ? `${first.keyword}: ${first.message ?? ''}` : 'invalid',
  });
}

function valueAt(value: unknown, pointer: string): unknown {
  let cur = value;
  for (const part of pointer.split('/').slice(1)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** APIv3 treats a key whose value is null as absent (spec §0): drop such keys before validating. */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
  return out;
}

/** APIv3 refuses 4-byte UTF-8 characters anywhere in a request (spec §0). */
export const FOUR_BYTE = /[\u{10000}-\u{10FFFF}]/u;
