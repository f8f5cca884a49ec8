import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { resolve } from 'node:path';
import { systemClock } from '../clock.js';
import { loadConfig, type Config } from '../config.js';
import { Accounts, DEFAULT_HANDLE } from '../security/accounts.js';
import { SessionManager } from '../security/session-manager.js';
import {
  importSillyTavernFolder,
  type SillyTavernImportOptions,
  type SillyTavernImportReport,
} from '../services/sillytavern-import.js';
import type { Store } from '../store/store.js';
import { openStore } from '../store/store.js';
import { overridesOf, withStoreOptions } from './store-options.js';

const MB = 1024 * 1024;
/** Long lists in the summary are cut here; the rest is counted. */
const LISTED = 20;

/** The account to import into: single-user mode's default account is made when missing, any other must exist. */
async function targetUser(store: Store, config: Config, handle: string) {
  const existing = await store.users.byHandle(handle.toLowerCase());
  if (existing) return existing;
  if (handle === DEFAULT_HANDLE && !config.enableUserAccounts) {
    const sessions = new SessionManager(store.sessions, systemClock, config.sessionTimeout);
    return new Accounts(store, sessions, systemClock).ensureDefaultUser();
  }
  throw new Error(`no user "${handle}" (see \`parley users list\`; create one with \`parley users add ${handle}\`)`);
}

/** A bar that redraws in place on a terminal; one plain line per item when stderr is a log or a pipe. */
function progressReporter(): { onProgress: NonNullable<SillyTavernImportOptions['onProgress']>; stop(): void } {
  if (!process.stderr.isTTY) {
    return {
      onProgress: ({ done, total, item }) => {
        if (done < total) process.stderr.write(`[${done + 1}/${total}] ${item}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'importing [{bar}] {value}/{total} {item}', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: ({ done, total, item }) => {
      if (!started) bar.start(total, done, { item });
      started = true;
      bar.update(done, { item: item.length > 50 ? `…${item.slice(-49)}` : item });
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}

function summaryLines(report: SillyTavernImportReport, handle: string): string[] {
  const { imported: i, alreadyThere: a } = report;
  const lines = [
    `Imported ${report.root} into ${handle}:`,
    `  characters: ${i.characters} imported, ${a.characters} already there`,
    `  chats:      ${i.chats} imported (${i.messages.toLocaleString('en')} messages), ${a.chats} already there`,
    `  groups:     ${i.groups} imported, ${a.groups} already there`,
    `  personas:   ${i.personas} imported, ${a.personas} already there`,
    `  books:      ${i.worlds} imported, ${a.worlds} already there${report.worldInfoSettingsImported ? '; world info settings and book choices kept' : ''}`,
    `  presets:    ${i.presets} imported, ${a.presets} already there${report.activePreset ? `; "${report.activePreset}" in use` : ''}`,
    `  regex:      ${report.regexScripts.imported} scripts imported, ${report.regexScripts.alreadyThere} already there${report.regexScripts.allowedCharacters > 0 ? `; card scripts allowed for ${report.regexScripts.allowedCharacters} character(s)` : ''}`,
    `  formatting: ${formattingLine(report.formatting)}`,
    `  settings:   ${report.settingsImported.length > 0 ? `kept under "sillytavern": ${report.settingsImported.join(', ')}` : 'nothing new'}`,
  ];
  const list = <T>(title: string, items: T[], line: (item: T) => string) => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`, ...items.slice(0, LISTED).map((item) => `  ${line(item)}`));
    if (items.length > LISTED) lines.push(`  … and ${items.length - LISTED} more`);
  };
  list('Chats imported with lines skipped or changed', report.partialChats, (c) =>
    `${c.path}: ${[...c.skippedLines.map((s) => `line ${s.line} skipped (${s.reason})`), ...c.changedLines.map((s) => `line ${s.line} changed (${s.reason})`)].slice(0, 3).join('; ')}`,
  );
  list('Skipped', report.skipped, (s) => `${s.path}: ${s.reason}`);
  list('Group members not found among the characters (kept by name; they cannot speak)', report.unknownGroupMembers, (u) => `${u.group}: ${u.members.join(', ')}`);
  list('Not imported (not supported yet)', report.unsupported, (u) => `${u.path} (${u.kind})`);
  list('Warnings', report.warnings, (w) => w);
  return lines;
}

/** `parley import-sillytavern <folder>`: the one-shot move of a SillyTavern user folder; safe to run again. */
export function importSillyTavernCommand(): Command {
  return withStoreOptions(
    new Command('import-sillytavern').description(
      'import a SillyTavern user folder (data/<user> or public/): characters, chats, personas, world info, settings',
    ),
  )
    .argument('<folder>', "the SillyTavern user folder, e.g. SillyTavern/data/default-user")
    .option('--user <handle>', 'the Parley account to import into', DEFAULT_HANDLE)
    .action(async (folder: string, options) => {
      const config = loadConfig(overridesOf(options));
      const store = await openStore(config.database);
      const progress = progressReporter();
      let summary: string[];
      try {
        const user = await targetUser(store, config, options.user);
        const report = await importSillyTavernFolder(store, resolve(folder), {
          userId: user.id,
          now: () => systemClock.now(),
          maxCardBytes: config.limits.cardUploadMb * MB,
          maxChatBytes: config.limits.chatImportMb * MB,
          onProgress: progress.onProgress,
        });
        summary = summaryLines(report, user.handle);
      } finally {
        progress.stop();
        await store.close();
      }
      console.log(summary.join('\n'));
    });
}

function formattingLine({ imported: n, active }: SillyTavernImportReport['formatting']): string {
  const counts = `${n.instruct} instruct, ${n.context} context templates, ${n.samplerPresets} sampler presets, ${n.systemPrompts} system prompts`;
  const chosen = [
    active.instruct && `instruct "${active.instruct}"`,
    active.context && `context "${active.context}"`,
    active.samplerPreset && `samplers "${active.samplerPreset}"`,
    active.systemPrompt && `system prompt "${active.systemPrompt}"`,
  ].filter(Boolean);
  return chosen.length > 0 ? `${counts}; in use: ${chosen.join(', ')}` : counts;
}
