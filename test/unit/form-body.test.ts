import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFormBody } from '../../src/html/form-body.js';
import { malformedQuery, textProblem } from '../../src/http/text-guard.js';
import { ApiError } from '../../src/lib/errors.js';

/** Issue 13 item 6 — the one form body parser and the text rule, as plain functions. */
describe('parseFormBody', () => {
  const ACCEPTED: Array<[string, Record<string, string | string[]>]> = [
    ['a=1&b=2', { a: '1', b: '2' }],
    ['a=1&a=2&a=3', { a: ['1', '2', '3'] }],
    ['a=x+y%20z&b=%C3%A9%F0%9F%98%80', { a: 'x y z', b: 'é😀' }],
    ['a&b=&&c=%3D%26', { a: '', b: '', c: '=&' }],
    ['details=line%0D%0Anext%09tab', { details: 'line\r\nnext\ttab' }],
    ['', {}],
  ];
  for (const [body, expected] of ACCEPTED) {
    it(`reads ${JSON.stringify(body)}`, () => {
      const parsed = parseFormBody(Buffer.from(body));
      assert.equal(Object.getPrototypeOf(parsed), null);
      assert.deepEqual({ ...parsed }, { ...expected });
    });
  }

  it('keeps __proto__ and constructor as plain fields', () => {
    const parsed = parseFormBody(Buffer.from('__proto__=x&constructor=y'));
    assert.deepEqual(Object.entries(parsed), [
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  const REFUSED: Array<[string, Buffer]> = [
    ['a NUL', Buffer.from('a=x%00y')],
    ['a control character', Buffer.from('a=x%1By')],
    ['a C1 control character', Buffer.from('a=x%C2%85y')],
    ['a control character in a name', Buffer.from('a%01=x')],
    ['an encoded lone surrogate', Buffer.from('a=%ED%A0%80')],
    ['a broken % sequence', Buffer.from('a=100%')],
    ['an encoded byte that is not UTF-8', Buffer.from('a=%E9')],
    ['a raw byte that is not UTF-8', Buffer.from([0x61, 0x3d, 0xe9])],
  ];
  for (const [what, body] of REFUSED) {
    it(`refuses ${what} with a ValidationError`, () => {
      assert.throws(
        () => parseFormBody(body),
        (error: unknown) => error instanceof ApiError && error.code === 'ValidationError',
      );
    });
  }
});

describe('textProblem and malformedQuery', () => {
  const CASES: Array<[string, ReturnType<typeof textProblem>]> = [
    ['plain', undefined],
    ['tab\tlf\ncr\r', undefined],
    ['é漢字😀', undefined],
    ['\u0000', 'NUL'],
    ['\u001f', 'control'],
    ['\u007f', 'control'],
    ['\u009f', 'control'],
    ['\u00a0', undefined],
    ['\ud83d', 'surrogate'],
    ['x\ude00', 'surrogate'],
    ['\ude00\ud83d', 'surrogate'],
  ];
  for (const [text, expected] of CASES) {
    it(`${JSON.stringify(text)} → ${expected ?? 'text'}`, () => assert.equal(textProblem(text), expected));
  }

  it('finds undecodable % sequences in the query string only', () => {
    assert.equal(malformedQuery('/a%ff/b'), false, 'the path is the router’s');
    assert.equal(malformedQuery('/a?x=%C3%A9&y=%25'), false);
    assert.equal(malformedQuery('/a'), false);
    for (const url of ['/a?x=%ff', '/a?x=%ED%A0%80', '/a?x=50%', '/a?x=%zz'])
      assert.equal(malformedQuery(url), true, url);
  });
});
