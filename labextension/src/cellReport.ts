import type * as nbformat from '@jupyterlab/nbformat';
import type { KernelMessage } from '@jupyterlab/services';

import type { IDiagnoseInput } from './api';
import { MIME_TYPE } from './contract';

/**
 * What a finished cell of a kernel without the kernel extension tells us, read from its
 * outputs (pure: the watcher and jest call it). Only a cell with an error output or a stderr
 * stream gives a report; every other cell gives null and costs no request.
 */
export interface ICellReport {
  ename: string;
  evalue: string;
  traceback: string[];
  stderr: string;
  /** Fingerprints of the finding cards already in the cell's outputs. */
  cards: string[];
}

/** The server keeps this much of a text (requests_api.MAX_TEXT is 100 000). */
export const MAX_STDERR = 50_000;
/** ...and this many traceback lines (requests_api.MAX_TRACEBACK_LINES). */
export const MAX_TRACEBACK = 500;

const joined = (value: nbformat.MultilineString | undefined): string =>
  Array.isArray(value) ? value.join('') : (value ?? '');

/** The report of a finished cell's outputs, or null when nothing failed. */
export function cellReport(
  outputs: readonly nbformat.IOutput[]
): ICellReport | null {
  let error: nbformat.IError | null = null;
  const stderr: string[] = [];
  const cards: string[] = [];
  for (const output of outputs) {
    if (output.output_type === 'error') {
      error = error ?? (output as nbformat.IError);
    } else if (
      output.output_type === 'stream' &&
      (output as nbformat.IStream).name === 'stderr'
    ) {
      stderr.push(joined((output as nbformat.IStream).text));
    } else if (output.output_type === 'display_data') {
      const payload = (output as nbformat.IDisplayData).data?.[MIME_TYPE] as
        { draft?: { fingerprint?: unknown } } | undefined;
      const fingerprint = payload?.draft?.fingerprint;
      if (typeof fingerprint === 'string') {
        cards.push(fingerprint);
      }
    }
  }
  const text = stderr.join('');
  if (error === null && !text.trim()) {
    return null;
  }
  return {
    ename: error?.ename ?? '',
    evalue: error?.evalue ?? '',
    traceback: (error?.traceback ?? []).slice(-MAX_TRACEBACK),
    stderr: text.length > MAX_STDERR ? text.slice(-MAX_STDERR) : text,
    cards
  };
}

/** The `POST diagnose` body for a report, with the kernel's language. */
export function diagnoseInput(
  report: ICellReport,
  language: string | null | undefined
): IDiagnoseInput {
  // a stderr-only cell (R's `install.packages` warns, never raises) has no `ename` at all
  const input: IDiagnoseInput = report.ename
    ? {
        ename: report.ename,
        evalue: report.evalue,
        traceback: report.traceback
      }
    : { evalue: '', traceback: [] };
  if (report.stderr) {
    input.stderr = report.stderr;
  }
  if (language) {
    input.language = language;
  }
  return input;
}

/**
 * Does this kernel run the kernel extension? The rule: the extension is an IPython
 * extension, loaded in every IPython kernel of the environment it is installed in, so an
 * IPython kernel (`implementation` "ipython" in its kernel info) has it and any other kernel
 * does not. Kernel info is free: no code runs in the user's kernel to find out.
 */
export function hasKernelExtension(info: KernelMessage.IInfoReply): boolean {
  return info.implementation === 'ipython';
}

/**
 * The kernel facts a request carries (from kernel info, no code run in the kernel): the
 * kernel and its version, the language and its version and, for R, R's own version line
 * and platform from the banner.
 */
export function kernelFacts(
  info: KernelMessage.IInfoReply,
  displayName?: string
): Record<string, string> {
  const out: Record<string, string> = {};
  const language = info.language_info ?? ({} as Record<string, any>);
  const implementation = [info.implementation, info.implementation_version]
    .filter(Boolean)
    .join(' ');
  if (implementation) {
    out.kernel = displayName
      ? `${displayName} (${implementation})`
      : implementation;
  }
  const name = String(language.name ?? '');
  const version = String(language.version ?? '');
  if (name) {
    out.kernel_language = [name, version].filter(Boolean).join(' ');
  }
  if (name.toLowerCase() === 'r') {
    const banner = String(info.banner ?? '');
    const line = /^R version [^\n]+/m.exec(banner);
    out.R = line ? line[0].trim() : version;
    const platform = /^Platform: ([^\n]+)/m.exec(banner);
    if (platform) {
      out.platform = platform[1].trim();
    }
  }
  return out;
}
