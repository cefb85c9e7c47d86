import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';
import { InvalidArgumentError } from '../model/index.js';
import { TRACE_FILE_READ_CHUNK } from '../formats/trace-file-reader.js';
import { traceFilesIn } from '../storage/file/file-store.js';
import { newStoreFiles } from '../storage/new-store-files.js';
import { openCommandStore } from './open-command-store.js';
import { DEFAULT_BATCH_SPANS, importTraceFiles } from './run-import.js';
import type { ImportInput, ImportSummary } from './run-import.js';
import { addOptions, parsePositiveInt, quietOption, storeOption } from './shared-options.js';

interface ImportFlags {
  store: string;
  skipInvalid?: boolean;
  batch: string;
  quiet?: boolean;
}

/** Skipped entries listed one per line on stderr before the rest are only counted. */
const SKIPPED_LINES_SHOWN = 20;

/**
 * `jaeger-sls import FILE...`: stdout gets one JSON line summarising the result
 * ({"traces","spans","skipped","files":[{"file","format","traces","spans","skipped"}]});
 * stderr the human summary, skipped entries and progress.
 */
export function importCommand(ctx: CliContext): Command {
  const command = new Command('import')
    .description(
      'import trace files (Jaeger UI/query JSON, OTLP JSON, or NDJSON of either; detected by content) into a store. ' +
        'FILE may be a folder (its *.json, *.ndjson, *.jsonl) or - for stdin. ' +
        'Nothing is imported when an entry is bad, unless --skip-invalid',
    )
    .argument('<file...>', 'trace files, folders, or - for stdin');
  addOptions(command, [
    storeOption('store to write to (sqlite:PATH, memory:, sls://…)'),
    new Option('--skip-invalid', 'import the valid entries, report and count the bad ones'),
    new Option('--batch <spans>', 'spans per write').default(String(DEFAULT_BATCH_SPANS)),
    quietOption(),
  ]);
  return command.action(async (files: string[], flags: ImportFlags) => {
    const batchSpans = parsePositiveInt(flags.batch, '--batch');
    const cleanups: (() => Promise<void>)[] = [];
    try {
      const inputs = await resolveInputs(files, !flags.skipInvalid, cleanups);
      const created = newStoreFiles(flags.store);
      const store = await openCommandStore(flags.store, ctx, { quiet: flags.quiet });
      let ticked = 0;
      let failed = true;
      try {
        const validating = createProgress(ctx, 'validating spans', undefined, flags.quiet);
        let validatingShown = false;
        let validated = 0;
        const progress = createProgress(ctx, 'importing spans', undefined, flags.quiet);
        let shown = 0;
        let hidden = 0;
        const summary = await importTraceFiles(store, {
          inputs,
          skipInvalid: Boolean(flags.skipInvalid),
          batchSpans,
          onValidated: (count) => {
            validatingShown = true;
            validating.tick(count - validated);
            validated = count;
          },
          onProgress: (written) => {
            if (validatingShown) {
              validating.done();
              validatingShown = false;
            }
            progress.tick(written - ticked);
            ticked = written;
          },
          onSkipped: (error) => {
            if (shown < SKIPPED_LINES_SHOWN) {
              shown++;
              ctx.err(`skipped ${error.message}`);
            } else hidden++;
          },
        }).finally(() => {
          if (validatingShown) validating.done();
        });
        progress.done();
        if (hidden) ctx.err(`… ${hidden} more skipped entries not listed`);
        ctx.out(JSON.stringify(summary));
        if (!flags.quiet || summary.skipped) ctx.err(describe(summary, Boolean(flags.skipInvalid)));
        failed = false;
      } finally {
        await store.close();
        // Rejected before the first span was written: a store this run created is removed again.
        if (failed && ticked === 0) await created.discard();
      }
    } finally {
      for (const c of cleanups) await c();
    }
  });
}

function describe(s: ImportSummary, skipInvalid: boolean): string {
  const files = s.files.length === 1 ? '1 file' : `${s.files.length} files`;
  const skipped = skipInvalid ? `, skipped ${s.skipped} invalid ${s.skipped === 1 ? 'entry' : 'entries'}` : '';
  return `imported ${s.traces} traces (${s.spans} spans) from ${files}${skipped}`;
}

/** Files and folders (expanded) as inputs; stdin spooled to a temp file when it may be read twice. */
async function resolveInputs(args: readonly string[], rereadable: boolean, cleanups: (() => Promise<void>)[]): Promise<ImportInput[]> {
  const inputs: ImportInput[] = [];
  for (const arg of args) {
    if (arg === '-') {
      if (!rereadable) {
        inputs.push({ name: 'stdin', open: () => process.stdin });
        continue;
      }
      const dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-sls-import-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const spool = path.join(dir, 'stdin');
      await pipeline(process.stdin, createWriteStream(spool));
      inputs.push({ name: 'stdin', open: () => createReadStream(spool, { highWaterMark: TRACE_FILE_READ_CHUNK }) });
      continue;
    }
    const { files, isFolder } = await traceFilesIn(arg);
    if (isFolder && files.length === 0) throw new InvalidArgumentError(`${arg}: no *.json, *.ndjson or *.jsonl files (or .gz) in this folder`);
    for (const file of files) inputs.push({ name: file, open: () => createReadStream(file, { highWaterMark: TRACE_FILE_READ_CHUNK }) });
  }
  return inputs;
}
