import { describe, expect, it } from 'vitest';
import { apiErrorFromBody, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound, KubeApiError } from './errors.ts';

const status = (code: number, reason: string, message = 'm') => apiErrorFromBody('c1', 'PUT', '/api/v1/x', code, JSON.stringify({ kind: 'Status', code, reason, message }));

describe('KubeApiError', () => {
  it('takes reason and message from a Status body and names cluster, verb and path', () => {
    const err = status(409, 'Conflict', 'the object has been modified');
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ cluster: 'c1', method: 'PUT', path: '/api/v1/x', statusCode: 409, reason: 'Conflict' });
    expect(err.message).toBe('cluster c1: PUT /api/v1/x: HTTP 409 Conflict: the object has been modified');
  });

  it('keeps the raw text (cut at 500 characters) when the body is no Status', () => {
    const err = apiErrorFromBody('c1', 'GET', '/p', 502, `<html>${'x'.repeat(600)}</html>`);
    expect(err.reason).toBe('');
    expect(err.message).toMatch(/^cluster c1: GET \/p: HTTP 502: <html>x+$/);
    expect(err.message.length).toBeLessThan(560);
    expect(apiErrorFromBody('c1', 'GET', '/p', 500, 'null').message).toBe('cluster c1: GET /p: HTTP 500: null');
  });

  it('classifies by status code', () => {
    expect([isNotFound(status(404, 'NotFound')), isNotFound(status(410, 'Gone')), isNotFound(new Error('404'))]).toEqual([true, false, false]);
    expect([isConflict(status(409, 'Conflict')), isConflict(status(409, 'AlreadyExists'))]).toEqual([true, true]);
    expect([isAlreadyExists(status(409, 'AlreadyExists')), isAlreadyExists(status(409, 'Conflict'))]).toEqual([true, false]);
    expect([isInvalid(status(422, 'Invalid')), isInvalid(status(400, 'BadRequest'))]).toEqual([true, false]);
  });

  it('treats 410 and the Expired/Gone reasons (as watch ERROR events carry them) as gone', () => {
    expect(isGone(status(410, 'Gone'))).toBe(true);
    expect(isGone(new KubeApiError('c1', 'WATCH', '/p', 0, 'Expired', 'too old resource version'))).toBe(true);
    expect(isGone(status(500, 'InternalError'))).toBe(false);
  });
});
