import type * as nbformat from '@jupyterlab/nbformat';
import type { KernelMessage } from '@jupyterlab/services';

import {
  cellReport,
  diagnoseInput,
  hasKernelExtension,
  kernelFacts,
  MAX_STDERR
} from '../cellReport';
import { MIME_TYPE } from '../contract';

const R_ERROR: nbformat.IError = {
  output_type: 'error',
  ename: 'ERROR',
  evalue: 'Error in library(arrow): there is no package called ‘arrow’\n',
  traceback: [
    'Error in library(arrow): there is no package called ‘arrow’\n',
    'Traceback:\n',
    '1. library(arrow)'
  ]
};

const stream = (name: string, text: string | string[]): nbformat.IStream => ({
  output_type: 'stream',
  name: name as nbformat.StreamType,
  text
});

describe('cellReport', () => {
  it('gives nothing for a cell without error or stderr: no request', () => {
    expect(cellReport([])).toBeNull();
    expect(
      cellReport([
        stream('stdout', '[1] 42\n'),
        {
          output_type: 'execute_result',
          data: { 'text/plain': '42' },
          metadata: {},
          execution_count: 1
        },
        stream('stderr', '  \n')
      ])
    ).toBeNull();
  });

  it('reads the error output and the stderr stream', () => {
    const report = cellReport([
      stream('stderr', ['Warning message:\n', "package 'x' is not available"]),
      R_ERROR
    ])!;
    expect(report.ename).toBe('ERROR');
    expect(report.evalue).toContain('there is no package called');
    expect(report.traceback).toHaveLength(3);
    expect(report.stderr).toBe(
      "Warning message:\npackage 'x' is not available"
    );
    expect(diagnoseInput(report, 'R')).toEqual({
      ename: 'ERROR',
      evalue: R_ERROR.evalue,
      traceback: R_ERROR.traceback,
      stderr: report.stderr,
      language: 'R'
    });
  });

  it('reports a stderr-only cell (R warns and never raises) and bounds it', () => {
    const report = cellReport([stream('stderr', 'x'.repeat(MAX_STDERR + 10))])!;
    expect(report.ename).toBe('');
    expect(report.stderr).toHaveLength(MAX_STDERR);
    const input = diagnoseInput(report, undefined);
    expect(input).toEqual({ evalue: '', traceback: [], stderr: report.stderr });
  });

  it('lists the cards already in the cell', () => {
    const card: nbformat.IDisplayData = {
      output_type: 'display_data',
      data: { [MIME_TYPE]: { draft: { fingerprint: 'fp-1' } } },
      metadata: {}
    };
    expect(cellReport([R_ERROR, card])!.cards).toEqual(['fp-1']);
  });
});

const info = (extra: Record<string, any>) =>
  ({
    status: 'ok',
    protocol_version: '5.3',
    banner: '',
    help_links: [],
    language_info: { name: 'python', version: '3.11.2' },
    implementation: 'ipython',
    implementation_version: '9.0.0',
    ...extra
  }) as unknown as KernelMessage.IInfoReply;

describe('kernel info', () => {
  it('tells the IPython kernel (it has the kernel extension) from the others', () => {
    expect(hasKernelExtension(info({}))).toBe(true);
    expect(hasKernelExtension(info({ implementation: 'IRkernel' }))).toBe(
      false
    );
    expect(hasKernelExtension(info({ implementation: 'xeus-python' }))).toBe(
      false
    );
  });

  it('names the kernel, the language and R from kernel info alone', () => {
    const r = info({
      implementation: 'IRkernel',
      implementation_version: '1.3.2',
      language_info: { name: 'R', version: '4.2.2' },
      banner:
        'R version 4.2.2 (2022-10-31) -- "Innocent and Trusting"\nCopyright (C) 2022\nPlatform: x86_64-pc-linux-gnu (64-bit)\n'
    });
    expect(kernelFacts(r, 'R')).toEqual({
      kernel: 'R (IRkernel 1.3.2)',
      kernel_language: 'R 4.2.2',
      R: 'R version 4.2.2 (2022-10-31) -- "Innocent and Trusting"',
      platform: 'x86_64-pc-linux-gnu (64-bit)'
    });
    const bare = info({
      implementation: 'IRkernel',
      implementation_version: '1.3.2',
      language_info: { name: 'R', version: '4.2.2' }
    });
    expect(kernelFacts(bare).R).toBe('4.2.2');
    const julia = info({
      implementation: 'IJulia',
      implementation_version: '1.24',
      language_info: { name: 'julia', version: '1.10.0' }
    });
    expect(kernelFacts(julia)).toEqual({
      kernel: 'IJulia 1.24',
      kernel_language: 'julia 1.10.0'
    });
  });
});
