import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readBuildInfo } from './support/build.ts';
import { ARTIFACTS_DIR, FIXTURES_DIR, H5_DIR, WEAPP_DIR } from './support/paths.ts';
import { findForbidden, listFiles, totalBytes } from './support/scan.ts';

/** WeChat refuses a main package over 2 MB; we keep well under it. */
const WECHAT_MAIN_PACKAGE_LIMIT = 2 * 1024 * 1024;
const MAIN_PACKAGE_BUDGET = 512 * 1024;

describe('the built weapp bundle (dist/)', () => {
  const files = listFiles(WEAPP_DIR);

  it('contains no key material, no signing code and no secret', () => {
    expect(files.length).toBeGreaterThan(5);
    expect(findForbidden(files)).toEqual([]);
  });

  it('carries none of the H5 demo adapter (sandbox login / signing page)', () => {
    const hits = findForbidden(files, [
      { what: 'sandbox control API', needle: '__sandbox' },
      { what: 'H5 signing page redirect', needle: 'return_url' },
    ]);
    expect(hits).toEqual([]);
  });

  it('lists both signing mini-programs in navigateToMiniProgramAppIdList', () => {
    const app = JSON.parse(readFileSync(path.join(WEAPP_DIR, 'app.json'), 'utf8')) as {
      navigateToMiniProgramAppIdList: string[];
      pages: string[];
    };
    expect(app.navigateToMiniProgramAppIdList).toEqual(['wx7a985467cbd06913', 'wxbd687630cd02ce1d']);
    expect(app.pages).toEqual(['pages/index/index', 'pages/result/index', 'pages/contracts/index']);
  });

  it('keeps the main package small, and reports its size', () => {
    const bytes = totalBytes(files);
    const js = files.filter((f) => f.endsWith('.js'));
    const gz = js.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
    const report = {
      weapp: {
        mainPackageBytes: bytes,
        files: files.length,
        jsBytes: totalBytes(js),
        jsGzipBytes: gz,
        buildMs: readBuildInfo(WEAPP_DIR)?.ms,
        largest: files
          .map((f) => ({ file: path.relative(WEAPP_DIR, f), bytes: totalBytes([f]) }))
          .sort((a, b) => b.bytes - a.bytes)
          .slice(0, 5),
      },
      h5: (() => {
        const h5 = listFiles(H5_DIR);
        const h5js = h5.filter((f) => f.endsWith('.js'));
        return {
          bytes: totalBytes(h5),
          jsBytes: totalBytes(h5js),
          jsGzipBytes: h5js.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0),
          buildMs: readBuildInfo(H5_DIR)?.ms,
        };
      })(),
    };
    writeFileSync(path.join(ARTIFACTS_DIR, 'bundle-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `[miniprogram] weapp main package ${bytes} bytes (${files.length} files, JS ${report.weapp.jsBytes} B, ${gz} B gzip); H5 ${report.h5.bytes} bytes`,
    );
    expect(bytes).toBeLessThan(WECHAT_MAIN_PACKAGE_LIMIT);
    expect(bytes).toBeLessThan(MAIN_PACKAGE_BUDGET);
  });
});

describe('the secret scanner itself', () => {
  it('finds a fixture private key planted in a copy of the bundle, even without its PEM markers', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mp-scan-'));
    try {
      const pem = readFileSync(path.join(FIXTURES_DIR, 'platform/private-key.pem'), 'utf8');
      writeFileSync(path.join(dir, 'a.js'), `var k=${JSON.stringify(pem.replace(/-----[^-]+-----/g, ''))};`);
      writeFileSync(path.join(dir, 'b.js'), 'var s=require("crypto").createSign("RSA-SHA256");');
      const hits = findForbidden(listFiles(dir)).map((h) => `${path.basename(h.file)}: ${h.what}`);
      expect(hits).toContain('a.js: fixture key platform/private-key.pem');
      expect(hits).toContain('b.js: node:crypto signing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the built H5 demo bundle (dist-h5/)', () => {
  it('contains no key material, no signing code and no secret either', () => {
    const files = listFiles(H5_DIR);
    expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
    expect(findForbidden(files)).toEqual([]);
  });
});
