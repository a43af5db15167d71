/**
 * Every file-system error code a user's path can raise maps to exit 2 (the path) or 3 (the
 * disk), naming the path: the codes a root test runner cannot provoke (EACCES, EROFS, ENOSPC)
 * are checked on the mapping itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExitCode, SluiceError, describeError } from '../../src/core/errors.js';
import { userPathError } from '../../src/core/files/fs-errors.js';

const target = { file: 'out/report.json', what: 'json report', key: 'output' };
const fsError = (code: string) => Object.assign(new Error(`${code}: raw`), { code });

describe('file-system errors on a user path', () => {
  it.each([
    ['EACCES', 'read', ExitCode.Usage, /permission denied/],
    ['EACCES', 'write', ExitCode.Usage, /permission denied/],
    ['EPERM', 'write', ExitCode.Usage, /permission denied/],
    ['EROFS', 'write', ExitCode.Usage, /read-only/],
    ['EISDIR', 'write', ExitCode.Usage, /directory/],
    ['ENOTDIR', 'write', ExitCode.Usage, /a part of the path is a file/],
    ['ELOOP', 'read', ExitCode.Usage, /loop/],
    ['ENAMETOOLONG', 'write', ExitCode.Usage, /too long/],
    ['ENOSPC', 'write', ExitCode.Infra, /no space/],
    ['EDQUOT', 'write', ExitCode.Infra, /no space/],
    ['EIO', 'read', ExitCode.Infra, /input\/output/],
    ['EMFILE', 'read', ExitCode.Infra, /too many open files/],
    ['ENOENT', 'read', ExitCode.Usage, /not found/],
  ] as const)('%s on %s: exit %i, naming the path', (code, access, exit, reason) => {
    const error = userPathError(fsError(code), target, access);
    expect(error).toBeInstanceOf(SluiceError);
    expect(error!.exitCode).toBe(exit);
    const text = describeError(error!);
    expect(text).toContain('out/report.json');
    expect(text).toMatch(reason);
    expect(text).not.toContain('raw');
    expect(error!.hint).toBeTruthy();
  });

  it('any code at all is a SluiceError naming the path; no code is left to the caller', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.constantFrom('read', 'write'), (code, access) => {
        const error = userPathError(fsError(code), target, access as 'read' | 'write');
        expect(error).toBeInstanceOf(SluiceError);
        expect(describeError(error!)).toContain('out/report.json');
      }),
    );
    expect(userPathError(new Error('no code'), target, 'read')).toBeUndefined();
  });
});
